package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergePrefersTheCopyWithinThePlan: a copy of a cell trained past the
// study's plan (2 epochs of a 1-epoch study, by `train --resume CELL
// --epochs 2` before that was refused) won a merge over the copy that
// trained the study's 1 epoch, as the copy that trained more; the report
// then left the cell out as longer than the study. The copy within the plan
// is kept, whichever shard comes last, and the merge names the longer copy
// it left. The merge folder's own longer copy is kept (its training may be
// held nowhere else) and named, saying how to take the copy within the plan.
func TestMergePrefersTheCopyWithinThePlan(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("p") // sgd and adam, 1 epoch
	dir := t.TempDir()
	s, long, longStudy := filepath.Join(dir, "s"), filepath.Join(dir, "long"), filepath.Join(dir, "long-study")
	for _, r := range []struct {
		f   File
		out string
	}{{f, s}, {f.WithEpochs(2), longStudy}} {
		if err := Run(r.f, r.out, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	// long: s with its sgd cell trained to 2 epochs.
	sgd := "optimizer=sgd,seed=1"
	if err := copyDir(s, long, ""); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(long, "cells", sgd)
	if err := os.RemoveAll(cell); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(cell, os.DirFS(filepath.Join(longStudy, "cells", sgd))); err != nil {
		t.Fatal(err)
	}
	want := dataSection(t, filepath.Join(s, "cells", sgd, run.FinalFile))
	line := "merge: kept the copy within the study's plan of 1 cell over one trained past it (outside the study), left out: " + sgd + ": 1 epoch"
	for i, c := range []struct {
		before []string // merged into the folder first
		shards []string
		longer string // the longer copy's study folder
	}{
		{nil, []string{s, long}, long},
		{nil, []string{long, s}, long},
		{[]string{long}, []string{s}, ""}, // the merge folder's own copy is the longer
	} {
		out := filepath.Join(dir, "m"+string(rune('1'+i)))
		if c.before != nil {
			if err := Merge(out, c.before, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
		}
		var log bytes.Buffer
		if err := Merge(out, c.shards, &log); err != nil {
			t.Fatal(err)
		}
		merged := filepath.Join(out, "cells", sgd)
		r, err := run.ReadResult(merged)
		if err != nil {
			t.Fatal(err)
		}
		if c.longer == "" {
			own := "merge: kept the merge folder's own copy of 1 cell, trained past the study's plan, over a shorter copy within it"
			each := sgd + ": 2 epochs, 4 steps in " + out + ", not 1 epoch, 2 steps in " + s + " (2 epochs, more than the study's 1)"
			if said := log.String(); r.Epochs != 2 || !strings.Contains(said, own) || !strings.Contains(said, each) || !strings.Contains(said, "move the cell out") {
				t.Errorf("merge %v into %s, whose own copy is the longer: %s has %d epochs, want its own 2 kept; said\n%s", c.shards, out, sgd, r.Epochs, said)
			}
			continue
		}
		if got := dataSection(t, filepath.Join(merged, run.FinalFile)); r.Epochs != 1 || !bytes.Equal(got, want) {
			t.Errorf("merge %v into %s: %s is the copy of %d epochs, want the study's 1-epoch copy", c.shards, out, sgd, r.Epochs)
		}
		said := log.String()
		past := "not 2 epochs, 4 steps in " + c.longer + " (2 epochs, more than the study's 1)"
		if !strings.Contains(said, line) || !strings.Contains(said, past) {
			t.Errorf("merge %v into %s said\n%s\nwant a line starting %q naming the 2-epoch copy in %s", c.shards, out, said, line, c.longer)
		}
		if strings.Contains(said, "kept the copy that trained more") || strings.Contains(said, LongerStatus) {
			t.Errorf("merge %v into %s kept the longer copy:\n%s", c.shards, out, said)
		}
	}
}
