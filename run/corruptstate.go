package run

import (
	"errors"
	"fmt"
	"io/fs"
)

// CorruptStateError is a run's state file that is there but cannot be read
// as a state: truncated (a copy cut short, a disk that filled up under
// another program) or damaged. A run keeps only its latest state, and its
// checkpoints hold weights alone (no optimizer, callbacks or position), so
// there is nothing earlier to resume from: the run starts again or stays
// as it is.
type CorruptStateError struct {
	Path string
	Err  error
}

func (e *CorruptStateError) Error() string {
	return fmt.Sprintf("%v\n%s is truncated or corrupt, so its run cannot be resumed, and resuming from an earlier point is not possible "+
		"(a run keeps only its latest state; checkpoints hold weights alone): start the run again with --overwrite, "+
		"or keep the folder as it is and choose another --out", e.Err, e.Path)
}

func (e *CorruptStateError) Unwrap() error { return e.Err }

// unreadableState says what a failure to load the state at path means: a
// *CorruptStateError unless the file could not be read at all (permissions,
// an I/O error), which is said as it is.
func unreadableState(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &CorruptStateError{Path: path, Err: err}
}
