package study

import "strconv"

// A study's max-steps (each cell's budget of optimizer steps, 0 for none)
// is raised as its epochs are: run again with a larger one, the cells its
// budget stopped continue from their saved states to the new budget, bit
// for bit as cells given it from the start (run.CheckResume); a smaller
// one is another study, refused by name, as fewer epochs are.

// budgetLowered reports whether a step budget of asked, over a study
// trained with one of there, gives its cells fewer steps (0: no budget).
func budgetLowered(there, asked int) bool {
	return asked > 0 && (there == 0 || asked < there)
}

// budgetRaised reports whether a cell whose result is r, stopped by its
// step budget, has more steps to train under a budget of maxSteps: such a
// cell is not complete, and continues.
func budgetRaised(r *Result, maxSteps int) bool {
	return r.Stopped == "max_steps" && (maxSteps == 0 || r.Steps < uint64(maxSteps))
}

// stepBudget is a max-steps as a study's message shows it.
func stepBudget(n int) string {
	if n == 0 {
		return "0 (no budget)"
	}
	return strconv.Itoa(n)
}

// setsMaxSteps reports whether f fixes the max-steps or varies it on an
// axis: a study that leaves it out says nothing of its cells' budgets.
func (f File) setsMaxSteps() bool { return f.names("max-steps") }
