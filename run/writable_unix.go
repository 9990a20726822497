//go:build unix

package run

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// writable reports whether this process may make a file in the folder dir
// (access(2): EACCES, EROFS), as the superuser too on a read-only file
// system.
func writable(dir string) error {
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &fs.PathError{Op: "access", Path: dir, Err: err}
	}
	return nil
}
