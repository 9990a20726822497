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
		{Result{FinalTestAcc: 0.5, Epochs: 2, Planned: 3, Steps: 7, Stopped: "max_steps"}, "a: test accuracy 0.5000 after 2 epochs (its step budget, 7 steps, spent in epoch 2)\n"},
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
