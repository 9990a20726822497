package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CheckFolderUsable tells, making and writing nothing, whether dir could be
// made (the part of it that is missing) and written, as LockFolder would
// make it: an *UnusableFolderError for what LockFolder would refuse (a name
// too long, a path through a file, a link loop or to nothing, no permission,
// a read-only file system), nil otherwise or where it cannot tell (an I/O error is
// LockFolder's to report). A study checks its --out so before anything
// runs, its dry run included, which writes nothing: mkdir's error came
// only when the study went to write, exit 1 naming no flag.
func CheckFolderUsable(dir string) error {
	p := filepath.Clean(dir)
	var missing []string
	for {
		_, err := os.Stat(p)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return unusableOnly(dir, err)
		}
		if target, err := os.Readlink(p); err == nil {
			// A link to nothing (a scratch folder not made yet): mkdir
			// fails there with "file exists", exit 1, naming no flag.
			return &UnusableFolderError{Dir: dir, Err: fmt.Errorf("%s is a link to %s, which does not exist: make that folder first", p, target)}
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		missing = append(missing, p)
		p = parent
	}
	for _, m := range missing {
		if len(filepath.Base(m)) > MaxFileName {
			return &UnusableFolderError{Dir: dir, Err: &fs.PathError{Op: "mkdir", Path: m, Err: syscall.ENAMETOOLONG}}
		}
	}
	// p, the deepest folder there, is where the first missing folder is
	// made, or dir itself, where the lock file is.
	return unusableOnly(dir, writable(p))
}

// unusableOnly is folderError's *UnusableFolderError for err, or nil.
func unusableOnly(dir string, err error) error {
	if err == nil {
		return nil
	}
	var unusable *UnusableFolderError
	if errors.As(folderError(dir, err), &unusable) {
		return unusable
	}
	return nil
}
