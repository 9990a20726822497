package study

import (
	"fmt"
	"math"
)

// trains is the part of a cell's step budget and epochs a run of it trains,
// from the position of its state (Start, StartStep) to its last epoch: the
// planned one, or the one its step budget (max-steps) ends in, which may
// be the epoch it continues within. EpochSteps 0 (the cell not timed):
// the budget is not known to end an epoch early.
func (c PlannedCell) trains() (last int, steps int, budget bool) {
	last = c.Config.Epochs
	// The steps of all its epochs, held at math.MaxInt where they would
	// wrap: --epochs 2⁶² of 4 steps made 0 (no budget: "epochs 1-…").
	total := 0
	if c.EpochSteps > 0 {
		total = math.MaxInt
		if last <= math.MaxInt/c.EpochSteps {
			total = last * c.EpochSteps
		}
	}
	if m := c.Config.MaxSteps; m > 0 && c.EpochSteps > 0 && m < total {
		last, total, budget = (m+c.EpochSteps-1)/c.EpochSteps, m, true
	}
	return last, max(0, total-c.Start*c.EpochSteps-c.StartStep), budget
}

// epochsToTrain says which epochs a run of the cell trains: "epochs 2-3
// (continues in epoch 2, after its step 2), to its step budget (max-steps
// 10) in epoch 2 of 3". It said "epochs 2-3 (continues after epoch 1)" of a
// cell its budget stopped at step 2 of epoch 2, whose larger budget ended
// within epoch 2.
func (c PlannedCell) epochsToTrain() string {
	last, _, budget := c.trains()
	first := c.Start + 1
	s := fmt.Sprintf("epochs %d-%d", first, last)
	if first >= last {
		s = fmt.Sprintf("epoch %d", last)
	}
	switch {
	case c.StartStep > 0:
		s += fmt.Sprintf(" (continues in epoch %d, after its step %d)", first, c.StartStep)
	case c.Start > 0:
		s += fmt.Sprintf(" (continues after epoch %d)", c.Start)
	}
	if budget {
		s += fmt.Sprintf(", to its step budget (max-steps %d) in epoch %d of %d", c.Config.MaxSteps, last, c.Config.Epochs)
	}
	return s
}
