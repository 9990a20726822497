package main

import (
	"errors"
	"fmt"

	"mnistgpu/run"
)

// lockRunFolder takes the lock of dir, the run's folder given as --flag
// (out, resume). A folder that cannot be used (a file in its place, no
// permission to make or write it, a read-only file system, a name too long)
// is refused as a bad value of that flag, exit 2 before anything is read or
// trained: only a file was, while mkdir's "permission denied" or "file name
// too long" exited 1 and named no flag.
func lockRunFolder(flag, dir string) (*run.Lock, error) {
	if f := run.FileInPlace(dir); f != "" {
		return nil, cliError(&run.ValueError{Flag: flag, Msg: fmt.Sprintf("%s: %s is a file, not a folder: name the run's folder", dir, f)})
	}
	// The check a study makes of its --out first (making nothing): mkdir
	// alone told some folders that cannot be written from a failure, as
	// /proc/self/x ("no such file or directory", exit 1; a study said 2).
	var unusable *run.UnusableFolderError
	if !errors.As(run.CheckFolderUsable(dir), &unusable) {
		lock, err := run.LockFolder(dir)
		if fl := (*run.ForeignLockFileError)(nil); errors.As(err, &fl) {
			fl.Flag = flag
		}
		if !errors.As(err, &unusable) {
			return lock, cliError(err)
		}
	}
	return nil, cliError(&run.ValueError{Flag: flag, Msg: fmt.Sprintf("%s: the run's folder cannot be made or written there: %v", dir, unusable.Err)})
}
