package study

import "fmt"

// stoppedBy says, for a cell's line, what ended a cell before its planned
// epochs or within its last: "after 2 epochs" was all a cell said that its
// step budget stopped at step 2 of epoch 2, or early stopping ended, as
// though it had trained them whole.
func stoppedBy(r *Result) string {
	switch r.Stopped {
	case "max_steps":
		if r.CutSteps > 0 { // the epoch is said: "after 1 epoch and 5 steps of epoch 2"
			return fmt.Sprintf(" (its step budget, %s, spent)", plural(int(r.Steps), "step"))
		}
		return fmt.Sprintf(" (its step budget, %s, spent in epoch %d)", plural(int(r.Steps), "step"), r.Epochs)
	case "early_stopping":
		return " (early stopping)"
	}
	return ""
}
