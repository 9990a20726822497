package study

import (
	"testing"

	"mnistgpu/engine"
)

// TestClaimsSayWhichSideHasNoValue: a pair of settings that differ only in
// a claim's axis, where a side has no validation accuracy without having
// diverged (trained with --validation-split 0; ended no epoch), is said to
// lack it. The evidence said "no two settings with a result differ only in
// optimizer=adam and optimizer=sgd" of settings that did, and "… after the
// first epoch in 0 of 0 matched settings"; beside pairs that were weighed,
// such a setting went unsaid, as one where both sides diverged is not.
func TestClaimsSayWhichSideHasNoValue(t *testing.T) {
	const (
		adam  = "Adam is better than SGD"
		cnn   = "CNN reaches a better accuracy than the MLP"
		first = "With SGD the network takes longer to reach a high accuracy than with Adam"
	)
	for _, c := range []struct {
		name   string
		axes   []Axis
		noVal  func(p map[string]string) bool // the cells trained without validation data
		claims map[string]string
	}{
		{"no cell has one", []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}, {Name: "model", Values: []string{"mlp", "cnn"}}},
			func(map[string]string) bool { return true },
			map[string]string{
				adam:  "neither optimizer=adam nor optimizer=sgd has a validation accuracy in the 2 settings that differ only in them",
				cnn:   "neither model=cnn nor model=mlp has a validation accuracy in the 2 settings that differ only in them",
				first: "neither optimizer=adam nor optimizer=sgd has a validation accuracy after the first epoch in the 2 settings that differ only in them",
			}},
		{"one side lacks it", []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}},
			func(p map[string]string) bool { return p["optimizer"] == "sgd" },
			map[string]string{
				adam:  "no pair to weigh in the 1 setting that differs only in optimizer=adam and optimizer=sgd: optimizer=sgd has none in 1",
				first: "no pair to weigh in the 1 setting that differs only in optimizer=adam and optimizer=sgd: optimizer=sgd has none in 1",
			}},
		{"a validation-split axis", []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}, {Name: "validation-split", Values: []string{"0", "0.2"}}},
			func(p map[string]string) bool { return p["validation-split"] == "0" },
			map[string]string{
				adam:  "adam beat sgd in 1 of 1 matched setting (neither has a validation accuracy in 1 more, not counted; mean best val accuracy 0.9000 vs 0.8000)",
				first: "Adam had the higher validation accuracy after the first epoch in 1 of 1 matched setting (neither has a validation accuracy after the first epoch in 1 more, not counted)",
			}},
	} {
		f := File{Name: "noval", Seeds: []uint64{1}, Axes: c.axes}
		var cells []CellResult
		for _, cell := range f.Cells() {
			acc := 0.8
			if cell.Params["optimizer"] == "adam" {
				acc = 0.9
			}
			logs := engine.Logs{"loss": 1, "accuracy": acc, "val_loss": 1, "val_accuracy": acc}
			if c.noVal(cell.Params) {
				logs = engine.Logs{"loss": 1, "accuracy": acc}
			}
			h := &engine.History{}
			h.Append(0, logs, 1)
			cells = append(cells, CellResult{Cell: cell, Key: cell.Key(f.Axes), Group: cell.Group(f.Axes), History: h})
		}
		got := map[string]string{}
		for _, con := range Conclusions(f, Summarise(f, cells)) {
			got[con.Claim] = con.Evidence
		}
		for claim, want := range c.claims {
			if got[claim] != want {
				t.Errorf("%s: %q:\n got %s\nwant %s", c.name, claim, got[claim], want)
			}
		}
	}
}
