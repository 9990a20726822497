package run

import "testing"

// TestTrainedLineTimesAFastRun: the line a finished run prints said "in
// 0.0s" of a 40 ms run, as a study's cell line did before it wrote
// milliseconds; both write a time as RoundDuration does.
func TestTrainedLineTimesAFastRun(t *testing.T) {
	for _, c := range []struct {
		r    Result
		rec  record
		want string
	}{
		{Result{Epochs: 1, Seconds: 0.04, Sessions: []Session{{Seconds: 0.04}}}, record{}, "1 epoch (1 this run) in 40ms"},
		{Result{Epochs: 3, Seconds: 12.34, Sessions: []Session{{Seconds: 12.34}}}, record{}, "3 epochs (3 this run) in 12.3s"},
		{Result{Epochs: 2, Seconds: 0.5, Sessions: []Session{{Seconds: 0.45}, {Seconds: 0.05}}}, record{first: 1, earlier: []Session{{Seconds: 0.45}}}, "2 epochs (1 this run) in 50ms (500ms in 2 sessions)"},
		// Resumed within epoch 2 at its step budget: no step taken.
		{Result{Epochs: 2, Steps: 234, Seconds: 0.5, Sessions: []Session{{Seconds: 0.45}, {Seconds: 0.05}}}, record{first: 1, startStep: 234, earlier: []Session{{Seconds: 0.45}}}, "2 epochs (none this run)"},
	} {
		if got := trainedWhen(&c.r, &c.rec, false); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
