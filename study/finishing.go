package study

import (
	"fmt"
	"os"
	"path/filepath"

	"mnistgpu/run"
)

// finishing says why the continued cell of cfg has nothing left to train,
// only its final weights to evaluate and its result to write (its state
// spent its step budget, or trained every epoch), or "" when it trains;
// spent: its step budget is why. It decides as trainCell does (run.Trained
// of the cell's stored settings), so that --dry-run says what a run would
// do: it said "epochs 5-10" of a cell whose --max-steps was spent, and the
// run trained nothing.
func finishing(cfg run.Config) (why string, spent bool) {
	dir := cfg.Output.Dir
	if _, err := os.Stat(filepath.Join(dir, run.StateFile)); err != nil {
		return "", false
	}
	stored, ck, err := run.Resume(dir, cfg.ResumeSettings())
	if err != nil || !run.Trained(stored, ck) {
		return "", false // trainCell says why it cannot continue, or trains it
	}
	switch {
	case stored.MaxSteps > 0 && ck.Step >= uint64(stored.MaxSteps):
		epoch := ck.NextEpoch // the last one trained, or the one it cut short
		if ck.EpochStep > 0 {
			epoch++
		}
		return fmt.Sprintf("its step budget (max-steps %d) was spent in epoch %d", stored.MaxSteps, max(epoch, 1)), true
	case ck.NextEpoch >= stored.Epochs:
		return fmt.Sprintf("all %s were trained before the run stopped", plural(stored.Epochs, "epoch")), false
	}
	return fmt.Sprintf("early stopping ended it after epoch %d", ck.NextEpoch), false
}
