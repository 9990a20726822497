//go:build windows

package run

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockRangeHigh places the byte LockFileEx locks far past the holder's
// line (at 2^62): Windows locks are mandatory for the range they cover, and
// the refused writer reads that line.
const lockRangeHigh = 1 << 30

// lockFile takes an exclusive LockFileEx lock on f: held reports that
// another handle holds it (only when not waiting).
func lockFile(f *os.File, wait bool) (held bool, err error) {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	ol := windows.Overlapped{OffsetHigh: lockRangeHigh}
	err = windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

func unlockFile(f *os.File) {
	ol := windows.Overlapped{OffsetHigh: lockRangeHigh}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
