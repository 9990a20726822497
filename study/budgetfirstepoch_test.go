package study

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestReportOfCellsCutInTheirFirstEpoch: cells whose step budget ended them
// within their first epoch have no whole epoch in their history.json (an
// epoch cut short is metrics.jsonl's cut record), and the report says so:
// it said "up to 0 epochs each", "this study ran 0 epochs", and drew each
// cell's figure with "no finite values: the run diverged". Before, their
// cut epoch was a whole one to it, and "Adam had the higher validation
// accuracy after the first epoch" was weighed on 2 of its 5 steps.
func TestReportOfCellsCutInTheirFirstEpoch(t *testing.T) {
	f := File{Name: "cut", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "2", "train-limit": "400", "max-steps": "2"}}
	dir := t.TempDir()
	if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	md, err := Report(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(md)
	for _, want := range []string{"2 complete cells, none of which ended an epoch, seed 1.",
		"no cell of this study ended one, so no claim about convergence can be weighed",
		"neither optimizer=adam nor optimizer=sgd has a validation accuracy after the first epoch in the 1 setting that differs only in them"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("report.md lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), " 0 epochs") {
		t.Errorf("report.md speaks of 0 epochs:\n%s", raw)
	}
	if csv, _ := os.ReadFile(filepath.Join(dir, ResultsCSV)); !strings.Contains(string(csv), "sgd,1,finished,0,,") {
		t.Errorf("results.csv:\n%s", csv)
	}
	if got := nothingDrawn(0); got != "no epoch ended: nothing to draw" {
		t.Errorf("the note of a plot of no epoch: %q", got)
	}
	if got := nothingDrawn(1); got != "no finite values: the run diverged" {
		t.Errorf("the note of a plot of an epoch of no finite value: %q", got)
	}
}
