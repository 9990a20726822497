package run

import "strings"

// shellWord is path as one word of a shell command line: as it is when
// every character is plain, else in single quotes. The commands a run
// prints for the user to paste ("continue with mnistgpu train --resume
// DIR") split a folder named with a space into two words.
func shellWord(path string) string {
	plain := path != "" && strings.IndexFunc(path, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:@%+=,-", r))
	}) < 0
	if plain {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
