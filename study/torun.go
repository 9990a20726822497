package study

import "fmt"

// toRun is the head line's count of the cells the plan runs: "4 to run",
// or, where some have no step to train (their state spent the step budget,
// or trained every epoch) and only write their result again, "2 to finish
// (their step budget is spent: no step to train)" or "4 to run, 1 of them
// to finish (...)". It said "2 to run" of cells that then trained nothing,
// where --dry-run said so of each.
func (p *Plan) toRun() string {
	n, finish, spent := len(p.Todo), 0, 0
	for _, i := range p.Todo {
		if c := p.Cells[i]; c.Finishing != "" {
			finish++
			if c.Spent {
				spent++
			}
		}
	}
	if finish == 0 {
		return fmt.Sprintf("%d to run", n)
	}
	its := "their"
	if finish == 1 {
		its = "its"
	}
	why := fmt.Sprintf("no step to train, only %s result to write", its)
	if spent == finish {
		why = fmt.Sprintf("%s step budget is spent: no step to train", its)
	}
	if finish == n {
		return fmt.Sprintf("%d to finish (%s)", n, why)
	}
	return fmt.Sprintf("%d to run, %d of them to finish (%s)", n, finish, why)
}
