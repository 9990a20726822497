package study

import (
	"math"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestReportWordsOneOfEach: report.md's sentences about one cell, one
// epoch, one seed and one matched setting are singular, and a seed list
// is written as numbers ("1 complete cells, up to 1 epochs each, seeds
// [1]" and "in 1 of 1 matched settings" were printed); one seed's std is
// absent (NaN), not 0. A claim with nothing to rest on says so rather
// than listing nothing ("lr=0.001:  (below 0.5 counts as not fitted)").
func TestReportWordsOneOfEach(t *testing.T) {
	oneCell := func(f File) []CellResult {
		var cells []CellResult
		for _, c := range f.Cells() {
			h := &engine.History{}
			acc := 0.9
			if c.Params["model"] == "mlp" {
				acc = 0.8
			}
			h.Append(0, engine.Logs{"loss": 1, "accuracy": acc, "val_loss": 1, "val_accuracy": acc}, 1)
			cells = append(cells, CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes), History: h})
		}
		return cells
	}
	f := File{Name: "one", Seeds: []uint64{7}, Axes: []Axis{}}
	groups := Summarise(f, oneCell(f))
	md := markdown(f, groups, Conclusions(f, groups), nil, 1, 0, nil, nil, 1)
	for _, want := range []string{
		"\n1 complete cell, up to 1 epoch each, seed 7.\n",
		"this study ran 1 epoch, so claims about convergence speak of the first epoch only.",
		"| (one setting) | 1 | 0.9000 | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if s := groups[0].BestValAcc.Std; !math.IsNaN(s) {
		t.Errorf("one seed's std is %v, want NaN (no spread)", s)
	}

	f = File{Name: "two", Seeds: []uint64{1}, Axes: []Axis{{Name: "model", Values: []string{"cnn", "mlp"}}}}
	groups = Summarise(f, oneCell(f))
	md = markdown(f, groups, Conclusions(f, groups), nil, 2, 0, nil, nil, 2)
	for _, want := range []string{
		"\n2 complete cells, up to 2 epochs each, seed 1.\n",
		"| cnn beat mlp in 1 of 1 matched setting (mean best val accuracy 0.9000 vs 0.8000) |",
		"this study ran 2 epochs, so claims about convergence speak of the first epochs only.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}

	f = File{Name: "lr", Seeds: []uint64{1}, Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01", "0.001"}}}}
	for _, c := range Conclusions(f, Summarise(f, oneCell(f))) {
		if strings.HasPrefix(c.Claim, "With sigmoid and a small learning rate") &&
			(c.Verdict != "not testable here" || c.Evidence != "no setting with SGD, sigmoid and lr=0.001 has a validation accuracy") {
			t.Errorf("%+v", c)
		}
	}
}
