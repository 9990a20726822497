package run

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// CurrentResult is the result.json of the run in dir when it is the result
// of the run's saved state, as a resume decides it (resultOf: the epochs
// and steps it records are the state's), read from the state file's header
// alone. A resume or an extension keeps the earlier result.json until it
// finishes, so one stopped partway (killed, or failing in its final
// evaluation) leaves the shorter run's result beside a state, history and
// checkpoints that trained more: a *StaleResultError. A folder without a
// state file (removed, or of an early version) has nothing to contradict
// its result, which is returned as it is; a state that cannot be read
// (truncated, or no state) is an *UnreadableStateError.
func CurrentResult(dir string) (*Result, error) {
	r, err := ReadResult(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckCurrent(dir, r); err != nil {
		return nil, err
	}
	return r, nil
}

// CheckCurrent is CurrentResult's check of r, the result.json of the run in
// dir already read (as a study reads each cell's once, for its "failed"
// too): nil when it is the result of the run's saved state.
func CheckCurrent(dir string, r *Result) error {
	var st struct {
		NextEpoch int    `json:"next_epoch"`
		EpochStep int    `json:"epoch_step"`
		Step      uint64 `json:"step"`
	}
	err := readStateHeader(filepath.Join(dir, StateFile), &st)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &UnreadableStateError{Dir: dir, Err: err}
	}
	if !r.records(st.NextEpoch, st.EpochStep, st.Step) {
		return &StaleResultError{Dir: dir, Result: r, StateEpochs: st.NextEpoch, StateSteps: st.Step}
	}
	return nil
}

// StaleResultError is a result.json that is not the result of its run's
// saved state: the run was resumed or extended and stopped before its new
// result.
type StaleResultError struct {
	Dir         string
	Result      *Result // the result.json as read
	StateEpochs int     // what the state trained
	StateSteps  uint64
}

func (e *StaleResultError) Error() string {
	return fmt.Sprintf("%s: %s records %s, %s, but its %s trained %s, %s: the run was continued and stopped before its end (continue it again to finish it)",
		e.Dir, ResultFile, Plural(e.Result.Epochs, "epoch"), Plural(int(e.Result.Steps), "step"), StateFile, Plural(e.StateEpochs, "epoch"), Plural(int(e.StateSteps), "step"))
}

// UnreadableStateError is a state file beside a result.json that cannot be
// read (a truncated copy, a file that is no state): whether the result is
// the run's cannot be told, and the run cannot be resumed. A study takes
// such a cell as incomplete, as its resume would fail, and reads the rest.
type UnreadableStateError struct {
	Dir string
	Err error // what reading the state's header said
}

func (e *UnreadableStateError) Error() string {
	return fmt.Sprintf("%s: its %s cannot be read (%v), so whether its %s is the result of its run cannot be told", e.Dir, StateFile, e.Err, ResultFile)
}
func (e *UnreadableStateError) Unwrap() error { return e.Err }

// SavedEpochs is the number of whole epochs the saved state of the run in
// dir has trained (its next epoch, which a resume continues or starts), read
// from the state file's header alone, and false when there is no state to
// read. A state within an epoch, saved at a stop or at the step budget,
// counts the epochs before it, as history.json does (cutepoch.go).
func SavedEpochs(dir string) (int, bool) {
	var st struct {
		NextEpoch int `json:"next_epoch"`
	}
	if err := readStateHeader(filepath.Join(dir, StateFile), &st); err != nil {
		return 0, false
	}
	return st.NextEpoch, true
}
