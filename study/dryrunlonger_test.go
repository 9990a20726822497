package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestDryRunNamesALongerCell: `study run --dry-run` of a study holding a
// cell trained past its plan (2 epochs of a 1-epoch study) listed it as
// "complete: skipped", or said "nothing to do" alone, where the real run
// names it as left out of the report and longer_than_study in results.csv.
// The dry run names it too, with what it trained past; extended to its
// epochs (--epochs 2), the study holds it as one of its own.
func TestDryRunNamesALongerCell(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("d") // sgd and adam, 1 epoch
	dir := t.TempDir()
	s, long := filepath.Join(dir, "s"), filepath.Join(dir, "long")
	for out, f := range map[string]File{s: f, long: f.WithEpochs(2)} {
		if err := Run(f, out, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	key := "optimizer=sgd,seed=1"
	cell := filepath.Join(s, "cells", key)
	if err := os.RemoveAll(cell); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(cell, os.DirFS(filepath.Join(long, "cells", key))); err != nil {
		t.Fatal(err)
	}
	line := "1 cell: left out of its report, status " + LongerStatus + " in " + ResultsCSV + ": " + key + " (2 epochs, more than the study's 1), trained past the study's plan"
	twoSeeds := f
	twoSeeds.Seeds = []uint64{1, 2}
	for _, c := range []struct {
		f    File
		want []string
	}{
		{f, []string{"study d: 2 cells, 2 already complete: nothing to do", line}},
		{twoSeeds, []string{key + "\n  complete: skipped; trained past the study's plan (2 epochs, more than the study's 1)", line}},
		{f.WithEpochs(2), nil},
	} {
		p, err := NewPlan(c.f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p.Print(&out, 0)
		for _, want := range c.want {
			if !strings.Contains(out.String(), want) {
				t.Errorf("dry run of %v, seeds %v: want %q in\n%s", c.f.Fixed, c.f.Seeds, want, out.String())
			}
		}
		if c.want == nil && strings.Contains(out.String(), "past the study's plan") {
			t.Errorf("dry run of the study extended to the cell's epochs still names it:\n%s", out.String())
		}
	}
}
