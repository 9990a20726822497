package study

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergeKeepsTheLongerCell: an old copy of a shard, whose extension to 2
// epochs reached one of its cells only, merged into the extended merge,
// copied its 1-epoch cell over the merge's 2-epoch one (the last shard
// listed won); so did the same shards listed old last. The copy that
// trained more is kept, said in one line naming both.
func TestMergeKeepsTheLongerCell(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m") // sgd and adam, 1 epoch
	dir := t.TempDir()
	shard := func(f File, out string, k, n int) {
		t.Helper()
		if err := Run(f, out, run.Default(), Options{Shard: Shard{k, n}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	s, old := filepath.Join(dir, "s"), filepath.Join(dir, "old")
	shard(f, s, 1, 1)
	if err := copyDir(s, old, ""); err != nil {
		t.Fatal(err)
	}
	shard(f.WithEpochs(2), s, 1, 1)
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, []string{s}, io.Discard); err != nil {
		t.Fatal(err)
	}
	// old's study is extended to 2 epochs, its adam cell (shard 2/2) too;
	// its sgd cell still has 1.
	shard(f.WithEpochs(2), old, 2, 2)
	sgd := "optimizer=sgd,seed=1"
	want := dataSection(t, filepath.Join(s, "cells", sgd, run.FinalFile))
	for _, c := range []struct {
		out    string
		shards []string
		long   string
	}{
		{merged, []string{old}, merged},                 // the merge folder's own copy
		{filepath.Join(dir, "m2"), []string{s, old}, s}, // an earlier shard's
	} {
		var log bytes.Buffer
		if err := Merge(c.out, c.shards, &log); err != nil {
			t.Fatal(err)
		}
		cell := filepath.Join(c.out, "cells", sgd)
		r, err := run.ReadResult(cell)
		if err != nil {
			t.Fatal(err)
		}
		if r.Epochs != 2 {
			t.Errorf("merge %v into %s: %s trained %d epochs, want the longer copy's 2", c.shards, c.out, sgd, r.Epochs)
		}
		if got := dataSection(t, filepath.Join(cell, run.FinalFile)); !bytes.Equal(got, want) {
			t.Errorf("merge %v into %s: %s's final weights are not the 2-epoch run's", c.shards, c.out, sgd)
		}
		line := "merge: kept the copy that trained more of 1 cell (a merge never replaces a cell with a shorter copy): " + sgd + ": 2 epochs, "
		if lines := strings.Split(strings.TrimSpace(log.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], line) ||
			!strings.Contains(lines[0], " in "+c.long+", not 1 epoch, ") || !strings.HasSuffix(lines[0], " in "+old) {
			t.Errorf("merge %v into %s said\n%s\nwant one line starting %q, naming %s and %s", c.shards, c.out, log.String(), line, c.long, old)
		}
	}
	// A copy chosen before the merge folder's cell trained more (a study
	// run there extended it meanwhile) is decided again under the cell's
	// lock, and not made.
	from := filepath.Join(old, "cells", sgd)
	rec, err := readCell(from)
	if err != nil {
		t.Fatal(err)
	}
	short, staged := mergeSource{dir: from, trained: trainedOf(from, rec)}, filepath.Join(t.TempDir(), sgd)
	if err := stageCell(short, staged); err != nil {
		t.Fatal(err)
	}
	k, err := installCell(f.WithEpochs(2), short, staged, filepath.Join(merged, "cells", sgd))
	if err != nil || k == nil || k.lost.dir != from {
		t.Errorf("copying the 1-epoch cell over the 2-epoch one: kept %v, %v; want the longer kept", k, err)
	}
	if got := dataSection(t, filepath.Join(merged, "cells", sgd, run.FinalFile)); !bytes.Equal(got, want) {
		t.Error("the 1-epoch copy was made over the 2-epoch cell")
	}
}
