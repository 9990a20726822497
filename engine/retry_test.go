package engine

import (
	"errors"
	"testing"
	"time"
)

// retryTransient (Windows' file replacement) tries again after a transient
// error, stops at once on any other, and gives up with the last error when
// its budget is spent.
func TestRetryTransient(t *testing.T) {
	busy, broken := errors.New("busy"), errors.New("broken")
	transient := func(err error) bool { return err == busy }
	tries := 0
	flaky := func() error {
		if tries++; tries < 3 {
			return busy
		}
		return nil
	}
	if err := retryTransient(flaky, transient, time.Minute); err != nil || tries != 3 {
		t.Errorf("busy twice: %v after %d tries", err, tries)
	}
	tries = 0
	if err := retryTransient(func() error { tries++; return broken }, transient, time.Minute); err != broken || tries != 1 {
		t.Errorf("broken: %v after %d tries", err, tries)
	}
	tries = 0
	if err := retryTransient(func() error { tries++; return busy }, transient, 5*time.Millisecond); err != busy || tries < 2 {
		t.Errorf("always busy: %v after %d tries", err, tries)
	}
}
