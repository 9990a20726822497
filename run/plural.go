package run

import "fmt"

// Plural is n and word, with an s for any n but 1: "1 epoch", "3 epochs",
// "0 threads". The lines run, study and the CLI print count with it, so
// that none says "1 epochs".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
