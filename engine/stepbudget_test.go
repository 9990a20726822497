package engine_test

import (
	"path/filepath"
	"testing"

	"mnistgpu/engine"
)

// budget gives a run a step budget of n (FitConfig.MaxSteps).
func budget(n int) func(*engine.FitConfig, *fitResult) {
	return func(cfg *engine.FitConfig, _ *fitResult) { cfg.MaxSteps = n }
}

// A step budget spent within an epoch leaves the run's state at that step,
// the cut epoch in the history as it ran; a larger budget continues from
// that state and ends bit for bit as the run never given one (weights,
// history, learning rate, callbacks' state and checkpoint files: the cut
// epoch ran no epoch-end callback, so it wrote no checkpoint and moved no
// plateau). So does a stopped run resumed with a budget its stop reached,
// whose state is saved again with the budget. Before, the state was the
// cut epoch's end, and a larger budget continued at the next epoch.
func TestStepBudgetContinuesBitIdentical(t *testing.T) {
	for _, name := range []string{"val_accuracy", "ModelCheckpoint keeps its best", "EarlyStopping keeps its wait"} {
		t.Run(name, func(t *testing.T) {
			c := resumeCaseNamed(t, name)
			whole := fitInto(t, c, t.TempDir(), c.epochs, false)
			dir := t.TempDir()
			// 8 steps an epoch: 13 cut epoch 2 after 5 steps, 21 epoch 3.
			for i, n := range []int{13, 21} {
				r, err := fitWith(t, c, dir, c.epochs, i > 0, budget(n))
				if err != nil {
					t.Fatal(err)
				}
				checkCut(t, dir, r, n)
			}
			compareRuns(t, whole, fitInto(t, c, dir, c.epochs, true))

			stopped := t.TempDir()
			if _, err := fitWith(t, c, stopped, c.epochs, false, stopAt(13)); err == nil {
				t.Fatal("a run stopped at step 13 returned no error")
			}
			r, err := fitWith(t, c, stopped, c.epochs, true, budget(13))
			if err != nil {
				t.Fatal(err)
			}
			checkCut(t, stopped, r, 13)
			compareRuns(t, whole, fitInto(t, c, stopped, c.epochs, true))
		})
	}
}

// checkCut: the run r in dir, given a budget of n steps, ended within epoch
// n/8+1 with its state at step n and the cut epoch in its history.
func checkCut(t *testing.T, dir string, r *fitResult, n int) {
	t.Helper()
	ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, stateName))
	if err != nil {
		t.Fatal(err)
	}
	epoch := n / stepsPerEpoch
	if ck.NextEpoch != epoch || ck.EpochStep != n%stepsPerEpoch || ck.Step != uint64(n) || len(ck.Metrics) != 2 || r.model.Steps() != uint64(n) {
		t.Errorf("budget %d: state at epoch %d, step %d (%d in all, %d metrics), model at %d; want epoch %d, step %d (%d)",
			n, ck.NextEpoch+1, ck.EpochStep, ck.Step, len(ck.Metrics), r.model.Steps(), epoch+1, n%stepsPerEpoch, n)
	}
	if len(r.history.Logs) != epoch+1 {
		t.Errorf("budget %d: %d epochs in the history, want %d with the cut one", n, len(r.history.Logs), epoch+1)
	}
}
