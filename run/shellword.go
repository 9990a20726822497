package run

import (
	"runtime"
	"strings"
)

// shellWord is path as one word of a command line of this system's shell.
// The commands a run prints for the user to paste ("continue with mnistgpu
// train --resume DIR") split a folder named with a space into two words.
func shellWord(path string) string { return shellWordFor(runtime.GOOS, path) }

// shellWordFor is path as one word of a command line on the system goos:
// as it is when every character is plain, else quoted as that system's
// shell reads it. A POSIX shell takes single quotes (a quote inside
// closes them, is escaped, and opens them again). Windows' cmd.exe does
// not know single quotes, and Windows names hold no ": double quotes,
// which PowerShell reads too, keep the word whole there. Fewer characters
// are plain on Windows: ',' and '@' mean something to PowerShell, and '\'
// separates folders.
func shellWordFor(goos, path string) string {
	plainChars, quote := "_./:@%+=,-", func(p string) string { return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'" }
	if goos == "windows" {
		plainChars, quote = `_./\:-`, func(p string) string { return `"` + p + `"` }
	}
	plain := path != "" && strings.IndexFunc(path, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(plainChars, r))
	}) < 0
	if plain {
		return path
	}
	return quote(path)
}
