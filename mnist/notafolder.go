package mnist

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// FolderError is a data folder that is no folder: not there, or a file,
// a device or a pipe. It is the folder a command was given that is wrong
// (--data-dir: exit 2), not the data in it (a missing or corrupt file).
type FolderError struct {
	Dir  string
	What string // "no such folder", "a file, not a folder of MNIST files"
}

func (e *FolderError) Error() string { return e.Dir + ": " + e.What }

// folderProblem says why dir cannot be a data folder, or nil: a data
// folder given as a file (--data-dir run/config.json) was reported as
// "run/config.json/train-images-idx3-ubyte.gz: missing", a path under a
// file, and one that is not there by its first file, as a folder that
// holds no MNIST is.
func folderProblem(dir string) *FolderError {
	st, err := os.Stat(dir)
	what := ""
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR): // a path below a file too
		return &FolderError{Dir: dir, What: "no such folder"}
	case err != nil || st.IsDir(): // unreadable: reading its files says why
		return nil
	case st.Mode()&os.ModeDevice != 0:
		what = "a device"
	case st.Mode()&os.ModeNamedPipe != 0:
		what = "a named pipe"
	default:
		what = "a file"
	}
	return &FolderError{Dir: dir, What: what + ", not a folder of MNIST files"}
}
