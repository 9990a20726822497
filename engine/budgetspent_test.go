package engine_test

import (
	"testing"
)

// A run resumed at an epoch's start with its step budget already spent
// (the budget ended exactly there, or a smaller one is given) takes no
// step: it ends as the run given that budget from the start, with no
// epoch after the state's. Before, Fit took one step past MaxSteps and
// logged an epoch of one step, as the budget is checked after each step.
func TestSpentBudgetTakesNoStep(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	spent := 2 * stepsPerEpoch
	whole, err := fitWith(t, c, t.TempDir(), c.epochs, false, budget(spent))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{spent, spent - 3} {
		dir := t.TempDir()
		fitInto(t, c, dir, 2, false)
		resumed, err := fitWith(t, c, dir, c.epochs, true, budget(n))
		if err != nil {
			t.Fatal(err)
		}
		if s := resumed.model.Steps(); s != uint64(spent) || len(resumed.history.Logs) != 2 {
			t.Errorf("budget %d resumed at step %d: %d steps, %d epochs in the history; want %d and 2", n, spent, s, len(resumed.history.Logs), spent)
		}
		compareRuns(t, whole, resumed)
	}
}
