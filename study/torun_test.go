package study

import "testing"

// The head line counts the cells with no step to train apart, saying why
// when their step budget is.
func TestToRunCountsTheCellsThatOnlyFinish(t *testing.T) {
	spent := PlannedCell{Finishing: "its step budget (max-steps 7) was spent in epoch 2", Spent: true}
	trained := PlannedCell{Finishing: "all 3 epochs were trained before the run stopped"}
	for _, c := range []struct {
		cells []PlannedCell
		want  string
	}{
		{[]PlannedCell{{}, {}}, "2 to run"},
		{[]PlannedCell{spent, spent}, "2 to finish (their step budget is spent: no step to train)"},
		{[]PlannedCell{{}, spent}, "2 to run, 1 of them to finish (its step budget is spent: no step to train)"},
		{[]PlannedCell{trained}, "1 to finish (no step to train, only its result to write)"},
		{[]PlannedCell{{}, spent, trained}, "3 to run, 2 of them to finish (no step to train, only their result to write)"},
	} {
		p := &Plan{Cells: c.cells}
		for i := range c.cells {
			p.Todo = append(p.Todo, i)
		}
		if got := p.toRun(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cells, got, c.want)
		}
	}
}
