package run

import (
	"encoding/json"
	"testing"

	"mnistgpu/engine"
)

// A --max-steps below the steps a run trained is refused in words true of
// the run: one that had a budget is told a budget is raised, not lowered;
// one that had none was told the same, of a budget it never had, and is
// now told the steps it trained and that the budget would end before them.
func TestBudgetBelowTheStepsSaysWhatTheRunHad(t *testing.T) {
	for _, c := range []struct {
		recorded int
		want     string
	}{
		{0, "--max-steps 5: DIR has trained 7 steps with no step budget; a budget of 5 would end before them (pass --max-steps 8 or more, or leave it out to go on with none)"},
		{10, "--max-steps 5: DIR has trained 7 steps; a step budget is raised, not lowered (pass --max-steps 8 or more, or 0 for no budget)"},
	} {
		cfg := Default()
		cfg.Output.Dir, cfg.Epochs, cfg.MaxSteps = "DIR", 3, c.recorded
		raw, err := json.Marshal(stored{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		ck := &engine.TrainCheckpoint{NextEpoch: 1, Step: 7, EpochStep: 2, Config: raw}
		cfg.MaxSteps = 5
		if err := CheckResume(cfg, ck); err == nil || err.Error() != c.want {
			t.Errorf("recorded max-steps %d, given 5: %v\nwant %s", c.recorded, err, c.want)
		}
	}
}
