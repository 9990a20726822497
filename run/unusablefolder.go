package run

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// UnusableFolderError is a folder to lock that cannot be made or written,
// whatever runs in it: no permission, a read-only file system, a name too
// long, a path through a file or a link loop. It is the folder given that
// is wrong, a setting the command refuses before anything runs (exit 2,
// naming its flag), as it refuses a file given as --out; a full disk or an
// I/O error is a failure instead (a plain error).
type UnusableFolderError struct {
	Dir string
	Err error // what mkdir or the lock file's open said
}

func (e *UnusableFolderError) Error() string {
	return fmt.Sprintf("output folder %s: %v", e.Dir, e.Err)
}
func (e *UnusableFolderError) Unwrap() error { return e.Err }

// folderError is err, the failure to make dir or open its lock file, as an
// *UnusableFolderError when the folder given cannot be used.
func folderError(dir string, err error) error {
	for _, unusable := range []error{fs.ErrPermission, syscall.EROFS, syscall.ENAMETOOLONG, syscall.ENOTDIR, syscall.ELOOP} {
		if errors.Is(err, unusable) {
			return &UnusableFolderError{Dir: dir, Err: err}
		}
	}
	return fmt.Errorf("output folder %s: %w", dir, err)
}
