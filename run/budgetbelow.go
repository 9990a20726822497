package run

import (
	"fmt"

	"mnistgpu/engine"
)

// budgetBelowSteps refuses a --max-steps of maxSteps below the steps the
// run in dir has trained. A run that had a budget is told a budget is
// raised, not lowered; one that had none is told what is true of it, the
// steps it trained and that the budget would end before them: "a budget
// is raised, not lowered" spoke of a budget it never had.
func budgetBelowSteps(maxSteps int, dir string, ck *engine.TrainCheckpoint) *ValueError {
	steps := Plural(int(ck.Step), "step")
	if recorded, err := decodeConfig(ck.Config); err == nil && recorded.MaxSteps == 0 {
		return &ValueError{Flag: "max-steps", Msg: fmt.Sprintf("%d: %s has trained %s with no step budget; a budget of %d would end before them (pass --max-steps %d or more, or leave it out to go on with none)",
			maxSteps, dir, steps, maxSteps, ck.Step+1)}
	}
	return &ValueError{Flag: "max-steps", Msg: fmt.Sprintf("%d: %s has trained %s; a step budget is raised, not lowered (pass --max-steps %d or more, or 0 for no budget)",
		maxSteps, dir, steps, ck.Step+1)}
}
