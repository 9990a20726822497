package study

import "testing"

// A copy of a cell that merge names counts its steps in the singular for
// one ("1 epoch, 1 steps" was printed).
func TestTrainedSaysOneStep(t *testing.T) {
	for tr, want := range map[trained]string{
		{epochs: 1, steps: 1}:                 "1 epoch, 1 step",
		{epochs: 2, steps: 30}:                "2 epochs, 30 steps",
		{epochs: 1, steps: 1, diverged: true}: "diverged after 1 epoch, 1 step",
	} {
		if got := tr.String(); got != want {
			t.Errorf("%+v: %q, want %q", tr, got, want)
		}
	}
}
