package study

import (
	"errors"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestLargerStepBudgetIsRefusedByName: a study run again with a larger
// max-steps is another study (its cells stopped by the smaller budget
// would count as complete), refused naming max-steps and both budgets.
func TestLargerStepBudgetIsRefusedByName(t *testing.T) {
	out := t.TempDir()
	fixed := func(steps string) map[string]string {
		return map[string]string{"model": "mlp", "epochs": "2", "max-steps": steps}
	}
	if err := writeSpec(File{Name: "budget", Seeds: []uint64{1}, Fixed: fixed("2")}, out); err != nil {
		t.Fatal(err)
	}
	_, _, err := Prepare(File{Name: "budget", Seeds: []uint64{1}, Fixed: fixed("4")}, out, run.Default())
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "max-steps: 2 vs 4") {
		t.Errorf("max-steps 2 there, 4 asked for: %v", err)
	}
}
