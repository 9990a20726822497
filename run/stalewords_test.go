package run

import "testing"

// A stale result's message counts its steps as it counts its epochs: a
// run of one step, stopped in its extension, said "1 steps".
func TestStaleResultSaysOneStep(t *testing.T) {
	err := &StaleResultError{Dir: "d", Result: &Result{Epochs: 1, Steps: 1}, StateEpochs: 2, StateSteps: 2}
	want := "d: result.json records 1 epoch, 1 step, but its state.safetensors trained 2 epochs, 2 steps: the run was continued and stopped before its end (continue it again to finish it)"
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
