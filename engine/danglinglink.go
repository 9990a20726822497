package engine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// WriteTarget is the file that writing path writes to: where path leads
// when it is a symbolic link to an existing file (its links resolved, as
// GNU tools write through a link), and path itself otherwise (a link to
// nothing is refused by its callers: DanglingLink). WriteFileAtomic renames
// its temporary over the name it is given, which replaced a link to a
// user's file with a regular file and left the file it pointed to as it
// was: a user-given output path is written as WriteFileAtomic(WriteTarget(p)),
// its temporary beside the target.
func WriteTarget(path string) string {
	if st, err := os.Lstat(path); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return path
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path
	}
	if st, err := os.Stat(target); err != nil || !st.Mode().IsRegular() {
		return path // a folder or a device: NotAFile refuses it
	}
	return target
}
