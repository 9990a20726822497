package run

import (
	"fmt"

	"mnistgpu/engine"
)

// Finishing is the line a resume of cfg from ck says when the run has
// nothing left to train (Trained), only its final weights and result to
// write: what ended its training. A step budget given now that the state's
// steps have already spent is said as such, not as the budget that ended
// the run: a state a signal saved within an epoch, resumed with --max-steps
// of the steps it trained, was said to be one its budget ended.
func Finishing(cfg Config, ck *engine.TrainCheckpoint) string {
	dir := cfg.Output.Dir
	at := fmt.Sprintf("after epoch %d", ck.NextEpoch)
	if ck.EpochStep > 0 {
		at = fmt.Sprintf("at step %d of epoch %d", ck.EpochStep, ck.NextEpoch+1)
	}
	switch {
	case budgetSpent(cfg, ck) && budgetEnded(ck):
		return fmt.Sprintf("finishing %s: its step budget (--max-steps %d) ended its training %s, but it stopped before writing its final weights and result",
			dir, cfg.MaxSteps, at)
	case ck.NextEpoch >= cfg.Epochs:
	case budgetSpent(cfg, ck):
		return fmt.Sprintf("finishing %s: its state, saved %s, has trained %s, all that --max-steps %d allows: nothing to train, writing its final weights and result (pass a larger --max-steps to train on)",
			dir, at, Plural(int(ck.Step), "step"), cfg.MaxSteps)
	}
	return fmt.Sprintf("finishing %s: its training ended after epoch %d, but it stopped before writing its final weights and result", dir, ck.NextEpoch)
}

// budgetEnded reports whether the step budget the state ck was saved with
// ended the run there: its steps reached it.
func budgetEnded(ck *engine.TrainCheckpoint) bool {
	saved, err := decodeConfig(ck.Config)
	return err == nil && saved.MaxSteps > 0 && ck.Step >= uint64(saved.MaxSteps)
}
