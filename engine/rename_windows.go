//go:build windows

package engine

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// replaceFile is os.Rename (MoveFileEx with MOVEFILE_REPLACE_EXISTING),
// retried for up to two seconds while Windows refuses it because another
// process has either file open without FILE_SHARE_DELETE: a reader of the
// old file (Go opens files so: a concurrent mnistgpu inspect or evaluate) or
// a virus scanner looking at the new one. POSIX replaces the name under a
// reader; Windows says ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION until
// the reader closes it.
func replaceFile(from, to string) error {
	return retryTransient(func() error { return os.Rename(from, to) }, func(err error) bool {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
	}, 2*time.Second)
}
