package engine

import (
	"errors"
	"io/fs"
	"os"
)

// DanglingLink is the target of path when path is a symbolic link to
// nothing (a file or folder not made yet, or removed), and "" otherwise. An
// output file named so is refused where it is checked: WriteFileAtomic
// renames its file over the link, so the output landed beside the link's
// target, in place of the link, not where it pointed.
func DanglingLink(path string) string {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	target, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	return target
}
