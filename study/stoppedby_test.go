package study

import (
	"bytes"
	"testing"
	"time"
)

// TestCellLineSaysWhatStoppedIt: a cell its step budget stopped within an
// epoch, or early stopping ended, said only "after 2 epochs".
func TestCellLineSaysWhatStoppedIt(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	for _, c := range []struct {
		r    Result
		want string
	}{
		// Cut at step 2 of epoch 2 (5 steps an epoch): one epoch ended. It
		// said "after 2 epochs" of it.
		{Result{FinalTestAcc: 0.5, Epochs: 1, CutSteps: 2, Planned: 3, Steps: 7, Stopped: "max_steps"}, "a: test accuracy 0.5000 after 1 epoch and 2 steps of epoch 2 (its step budget, 7 steps, spent)\n"},
		{Result{FinalTestAcc: 0.5, Epochs: 0, CutSteps: 2, Planned: 3, Steps: 2, Stopped: "max_steps"}, "a: test accuracy 0.5000 after 2 steps of epoch 1 (its step budget, 2 steps, spent)\n"},
		// Spent at the end of epoch 2.
		{Result{FinalTestAcc: 0.5, Epochs: 2, Planned: 3, Steps: 10, Stopped: "max_steps"}, "a: test accuracy 0.5000 after 2 epochs (its step budget, 10 steps, spent in epoch 2)\n"},
		{Result{FinalTestAcc: 0.5, Epochs: 2, Planned: 6, Steps: 10, Stopped: "early_stopping"}, "a: test accuracy 0.5000 after 2 epochs (early stopping)\n"},
		{Result{FinalTestAcc: 0.5, Epochs: 3, Planned: 3, Steps: 15}, "a: test accuracy 0.5000 after 3 epochs\n"},
	} {
		var out bytes.Buffer
		d := newDisplay(&out, false, 0, 1, 0, 1, clock)
		d.end(d.begin("a", 0, 0, 3, 1), &c.r, nil, false)
		d.close()
		if want := "[1/1 done, 0 running, 0 left, 0s] " + c.want; out.String() != want {
			t.Errorf("display wrote\n%q\nwant\n%q", out.String(), want)
		}
	}
}
