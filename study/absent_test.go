package study

import (
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestReportLeavesOutWhatWasNotMeasured: the report's numbers are right or
// absent, as results.csv's are. A study without validation data printed a
// best val accuracy of "0.0000 ± 0.0000"; a cell on a simulated device
// (no time) reached 98% in "0.0" seconds; a claim with no pair of settings
// to compare printed "mean best val accuracy 0.0000 vs 0.0000".
func TestReportLeavesOutWhatWasNotMeasured(t *testing.T) {
	f := File{Name: "a", Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01"}}}, Seeds: []uint64{1, 2}}
	var cells []CellResult
	for _, c := range f.Cells() {
		h := &engine.History{}
		r := Result{Seconds: 2, BestCheckpoint: "w.safetensors", BestTestAccuracy: 0.9}
		if c.Params["lr"] == "0.1" { // no validation data
			h.Append(0, engine.Logs{"loss": 0.5, "accuracy": 0.9}, 1)
		} else { // a simulated device: every time is 0
			h.Append(0, engine.Logs{"loss": 0.1, "accuracy": 0.99, "val_loss": 0.1, "val_accuracy": 0.985}, 0)
			r.Seconds = 0
		}
		cells = append(cells, CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes), History: h, Result: r})
	}
	groups := Summarise(f, cells)
	md := markdown(f, groups, Conclusions(f, groups), nil, len(cells), 0, nil, nil, 1)
	for _, want := range []string{
		"| lr=0.1 | 2 | — | 0.9000 ± 0.0000 | — | — | — | — |",
		"| lr=0.01 | 2 | 0.9850 ± 0.0000 | 0.9000 ± 0.0000 | 1.0 ± 0.0 | — | — | — |",
		"| the study does not vary the model |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "0.0000 vs 0.0000") {
		t.Errorf("report.md gives means of no settings:\n%s", md)
	}
	if v := groups[0].MeanValAcc; len(v) != 1 || v[0] == v[0] {
		t.Errorf("the mean validation curve of runs without validation data is %v, want [NaN]", v)
	}
}

// TestReportSaysWhatIsMissing: a report of a study with cells not run yet
// or failed (a shard, a study half done) says how many of its cells it
// rests on; it said "2 complete cells", and its table read as the whole
// study's.
func TestReportSaysWhatIsMissing(t *testing.T) {
	f := File{Name: "a", Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01"}}}, Seeds: []uint64{1, 2}}
	var cells []CellResult
	for _, c := range f.Cells()[:3] {
		h := &engine.History{}
		h.Append(0, engine.Logs{"loss": 0.5, "accuracy": 0.9, "val_loss": 0.5, "val_accuracy": 0.9}, 1)
		cells = append(cells, CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes), History: h})
	}
	groups := Summarise(f, cells)
	if md := markdown(f, groups, Conclusions(f, groups), nil, len(cells), 0, nil, nil, 1); !strings.Contains(md, "\n3 of the study's 4 cells complete (") {
		t.Errorf("report.md does not say that a cell is missing:\n%s", md)
	}
	groups = Summarise(f, append(cells, CellResult{Cell: f.Cells()[3], Group: "lr=0.01", History: cells[0].History}))
	if md := markdown(f, groups, Conclusions(f, groups), nil, 4, 0, nil, nil, 1); !strings.Contains(md, "\n4 complete cells, up to 1 epoch each, seeds 1, 2.") {
		t.Errorf("report.md of a whole study (it said \"1 epochs\"):\n%s", md)
	}
	one := File{Name: "b", Seeds: []uint64{1}}
	groups = Summarise(one, []CellResult{{Cell: one.Cells()[0], Group: "", History: cells[0].History}})
	if md := markdown(one, groups, Conclusions(one, groups), nil, 1, 0, nil, nil, 2); !strings.Contains(md, "\n1 complete cell, up to 2 epochs each") {
		t.Errorf("report.md of a study of one cell (it said \"1 complete cells\"):\n%s", md)
	}
	if got := (&FailedError{Failed: 1, Of: 1}).Error(); !strings.HasPrefix(got, "1 of 1 cell failed") {
		t.Errorf("FailedError: %s", got)
	}
}
