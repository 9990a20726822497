package study

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergeChecksBeforeWriting: two shards of one study merge into every
// cell; a shard given twice, shards of two studies, --out naming a shard
// or a folder above one, a folder of other files, a run's folder, a
// folder of another study, a cell another process holds, and a
// shard's cells folder or a folder inside it (also through a link; a later
// merge or study run would read it as a cell) are refused as settings
// (exit 2) and leave the folder as it was.
func TestMergeChecksBeforeWriting(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m")
	dir := t.TempDir()
	shard := func(name string, f File, i int) string {
		out := filepath.Join(dir, name)
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	s1, s2 := shard("s1", f, 1), shard("s2", f, 2)
	other := f
	other.Name = "other"
	s3 := shard("s3", other, 1)

	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, []string{s1, s2}, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, cells, err := LoadResults(merged)
	if err != nil || len(cells) != 2 {
		t.Fatalf("merged: %d cells, %v; want 2", len(cells), err)
	}
	if _, err := os.Stat(filepath.Join(merged, run.LockFile)); !os.IsNotExist(err) {
		t.Errorf("the merge left its lock file: %v", err)
	}
	// Merging again is a no-op that succeeds.
	if err := Merge(merged, []string{s1, s2}, io.Discard); err != nil {
		t.Errorf("merging again: %v", err)
	}

	runDir := filepath.Join(dir, "run")
	if err := os.MkdirAll(runDir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir, run.StateFile), []byte("state"), 0o666); err != nil {
		t.Fatal(err)
	}
	cellHeld, err := run.LockFolder(filepath.Join(merged, "cells", "optimizer=sgd,seed=1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cellHeld.Unlock()
	linked := filepath.Join(dir, "linked")
	if err := os.Symlink(filepath.Join(s2, "cells"), linked); err != nil {
		t.Fatal(err)
	}
	// A folder of other files, "." or a project's: the merge went among them.
	busy := filepath.Join(dir, "busy")
	os.MkdirAll(busy, 0o777)
	os.WriteFile(filepath.Join(busy, "notes.txt"), []byte("mine"), 0o666)
	s1Link := filepath.Join(dir, "s1-link")
	if err := os.Symlink(s1, s1Link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out    string
		shards []string
		want   string
	}{
		{filepath.Join(dir, "twice"), []string{s1, s2, s1 + string(filepath.Separator)}, "shard folder " + s1 + "/ is given twice"},
		{filepath.Join(dir, "twice"), []string{s1Link, s1}, "is given twice"},
		{dir, []string{s1, s2}, "--out " + dir + " holds shard " + s1 + ": the merged study's cells/ would go beside the shards"},
		{busy, []string{s1, s2}, "holds files (notes.txt, ...) but no study.json"},
		{filepath.Join(dir, "mixed"), []string{s1, s3}, "hold different studies"},
		{s1, []string{s1, s2}, "is one of the shards"},
		{runDir, []string{s1, s2}, "holds a run"},
		{s3, []string{s1}, "holds another study"},
		{merged, []string{s1}, "is being trained by"},
		{filepath.Join(dir, "none"), []string{filepath.Join(dir, "nothing")}, "is no study folder"},
		{"", []string{s1}, "--out must name"},
		{filepath.Join(s1, "cells"), []string{s1, s2}, "the cells folder of shard " + s1},
		{filepath.Join(s1, "cells", "merged"), []string{s1, s2}, "is inside " + filepath.Join(s1, "cells")},
		{filepath.Join(s2, "cells", "new", "merged"), []string{s1, s2}, "the cells folder of shard " + s2},
		{filepath.Join(linked, "merged"), []string{s1, s2}, "the cells folder of shard " + s2},
	} {
		err := Merge(c.out, c.shards, io.Discard)
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("merge %v into %q: %v, want a setting error saying %q", c.shards, c.out, err, c.want)
		}
	}
	for _, never := range []string{"mixed", "none", "twice", "study.json", filepath.Join("busy", "study.json"), filepath.Join("s1", "cells", "merged"), filepath.Join("s2", "cells", "new")} {
		if _, err := os.Stat(filepath.Join(dir, never)); !os.IsNotExist(err) {
			t.Errorf("a refused merge made %s: %v", never, err)
		}
	}
}

// TestMergeRefusesShardCellInTraining: a complete cell that its shard's
// `study run` holds (extending or resuming it rewrites its files one by one
// under its old result.json) is refused, naming the holder, before anything
// is written, rather than copied half old and half new; once let go, it
// merges, and the merge leaves no lock in the shard.
func TestMergeRefusesShardCellInTraining(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m")
	dir := t.TempDir()
	var shards []string
	for i := 1; i <= 2; i++ {
		out := filepath.Join(dir, fmt.Sprintf("s%d", i))
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out)
	}
	cell := filepath.Join(shards[0], "cells", "optimizer=sgd,seed=1")
	training, err := run.LockFolder(cell)
	if err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "merged")
	err = Merge(merged, shards, io.Discard)
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), cell+" is being trained by") {
		t.Errorf("merge with %s held: %v, want a setting error naming it", cell, err)
	}
	if _, err := os.Stat(merged); !os.IsNotExist(err) {
		t.Errorf("a refused merge wrote %s: %v", merged, err)
	}
	training.Unlock()
	if err := Merge(merged, shards, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 2 {
		t.Errorf("merged: %d cells, %v; want 2", len(cells), err)
	}
	if _, err := os.Stat(filepath.Join(cell, run.LockFile)); !os.IsNotExist(err) {
		t.Errorf("the merge left a lock file in the shard's cell: %v", err)
	}
}

// TestMergeKeepsCheckpointFolders: cells whose checkpoint template has a
// folder (ck/w{epoch}.safetensors) merge with their checkpoints, which
// result.json names by their path below the cell (the merge copied files
// only, and result.json named the base name alone).
func TestMergeKeepsCheckpointFolders(t *testing.T) {
	f := File{Name: "m", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100", "checkpoint": "ck/w{epoch}.safetensors"}}
	dir := t.TempDir()
	shard := filepath.Join(dir, "s1")
	if err := Run(f, shard, run.Default(), Options{Shard: Shard{1, 2}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, []string{shard}, io.Discard); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(merged, "cells", "optimizer=sgd,seed=1")
	r, err := run.ReadResult(cell)
	if err != nil || r.BestCheckpoint != "ck/w1.safetensors" {
		t.Fatalf("result: best checkpoint %q, %v; want ck/w1.safetensors", r.BestCheckpoint, err)
	}
	if _, err := os.Stat(filepath.Join(cell, "ck", "w1.safetensors")); err != nil {
		t.Errorf("the merged cell lacks its best checkpoint: %v", err)
	}
}

// TestMergeFailingPartwayLeavesTheFolderAsItWas: a merge that fails
// partway (the second shard's cell holds a file it cannot read) leaves its
// --out as it was: no study.json and no cells in a new folder, an earlier
// merge's cells complete and unchanged. It left study.json and the first
// shard's cell in a new folder, which the report then took for the study
// ("1 complete cell") and a later merge for an earlier merge to extend; over
// an earlier merge, the cell it failed to copy was left incomplete. The
// copies are made in a staging folder first; one a killed merge left is
// removed by the next, said, and is not taken for a file of another's.
func TestMergeFailingPartwayLeavesTheFolderAsItWas(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m")
	dir := t.TempDir()
	var shards []string
	for i := 1; i <= 2; i++ {
		out := filepath.Join(dir, fmt.Sprintf("s%d", i))
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out)
	}
	cells, _ := filepath.Glob(filepath.Join(shards[1], "cells", "*"))
	if len(cells) != 1 {
		t.Fatalf("shard 2 has cells %v, want 1", cells)
	}
	// A file the copy cannot read, sorting after result.json as the state
	// and the checkpoints do.
	bad := filepath.Join(cells[0], "weights9.safetensors")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), bad); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, shards, io.Discard); err == nil || !strings.Contains(err.Error(), "merge: copying "+cells[0]) {
		t.Fatalf("a merge that could not copy a file of a cell: %v", err)
	}
	entries, _ := os.ReadDir(merged)
	for _, e := range entries {
		t.Errorf("the failed merge left %s in its new --out", e.Name())
	}
	if _, _, err := LoadResults(merged); err == nil {
		t.Error("the folder of a failed merge reads as a study")
	}

	os.Remove(bad)
	if err := Merge(merged, shards, io.Discard); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, c := range []string{"optimizer=sgd,seed=1", "optimizer=adam,seed=1"} {
		before[c] = mustRead(t, filepath.Join(merged, "cells", c, ResultFile))
	}
	// Over an earlier merge: its cells stay complete, as they were.
	if err := os.Symlink(filepath.Join(dir, "nowhere"), bad); err != nil {
		t.Fatal(err)
	}
	if err := Merge(merged, shards, io.Discard); err == nil {
		t.Fatal("a merge that could not copy a file of a cell succeeded")
	}
	if _, got, err := LoadResults(merged); err != nil || len(got) != 2 {
		t.Errorf("the earlier merge after a failed one: %d cells, %v; want its 2", len(got), err)
	}
	for c, b := range before {
		if after, err := os.ReadFile(filepath.Join(merged, "cells", c, ResultFile)); err != nil || string(after) != string(b) {
			t.Errorf("a failed merge changed %s's result.json: %v", c, err)
		}
	}
	os.Remove(bad)

	// A cell of the merge folder that a study run there trains is refused
	// before anything is copied: the other cells are not written over
	// (their files the same, not copies put in their place).
	first, _ := filepath.Glob(filepath.Join(shards[0], "cells", "*"))
	kept := filepath.Join(merged, "cells", filepath.Base(first[0]), ResultFile)
	was, err := os.Stat(kept)
	if err != nil {
		t.Fatal(err)
	}
	training, err := run.LockFolder(filepath.Join(merged, "cells", filepath.Base(cells[0])))
	if err != nil {
		t.Fatal(err)
	}
	err = Merge(merged, shards, io.Discard)
	training.Unlock()
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "is being trained by") {
		t.Errorf("merge with a cell of the merge folder in training: %v", err)
	}
	if now, err := os.Stat(kept); err != nil || !os.SameFile(was, now) {
		t.Errorf("a refused merge put a copy in place of %s: %v", kept, err)
	}

	// A staging folder a killed merge left: removed by the next, into a
	// new folder too (it held nothing else).
	for _, out := range []string{merged, filepath.Join(dir, "new")} {
		stale := filepath.Join(out, stagingPrefix+"123", "optimizer=sgd,seed=1")
		os.MkdirAll(stale, 0o777)
		os.WriteFile(filepath.Join(stale, run.FinalFile), []byte("half"), 0o666)
		var log strings.Builder
		if err := Merge(out, shards, &log); err != nil {
			t.Fatalf("merge into %s beside a stale staging folder: %v", out, err)
		}
		if _, err := os.Stat(filepath.Dir(stale)); !os.IsNotExist(err) || !strings.Contains(log.String(), "removed "+stagingPrefix+"123, the copies of a merge into "+out+" that was stopped before it ended") {
			t.Errorf("merge into %s: the stale staging folder %v; said\n%s", out, err, log.String())
		}
		if _, got, err := LoadResults(out); err != nil || len(got) != 2 {
			t.Errorf("merged into %s: %d cells, %v; want 2", out, len(got), err)
		}
		if left, _ := filepath.Glob(filepath.Join(out, stagingPrefix+"*")); len(left) != 0 {
			t.Errorf("the merge left its staging folder %v", left)
		}
	}
}

// TestMergeNamesUnfinishedCells: a merge leaves out the shards' cells that
// have no result.json (still training, stopped, killed, failed), and says
// so naming each cell and its shard folder, with what is known of it (a
// failed.txt, a holder of its lock): it merged the rest without a word
// about them, and a merged study short of cells looked complete.
func TestMergeNamesUnfinishedCells(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("u")
	f.Seeds = []uint64{1, 2}
	dir := t.TempDir()
	var shards []string
	for i := 1; i <= 2; i++ {
		out := filepath.Join(dir, fmt.Sprintf("s%d", i))
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out)
	}
	unfinish := func(cell string) string {
		t.Helper()
		matches, _ := filepath.Glob(filepath.Join(dir, "s*", "cells", cell))
		if len(matches) != 1 {
			t.Fatalf("cell %s: %v", cell, matches)
		}
		if err := os.Remove(filepath.Join(matches[0], ResultFile)); err != nil {
			t.Fatal(err)
		}
		return matches[0]
	}
	stopped := unfinish("optimizer=adam,seed=2")
	failed := unfinish("optimizer=sgd,seed=1")
	os.WriteFile(filepath.Join(failed, FailureFile), []byte("boom"), 0o666)
	training := unfinish("optimizer=sgd,seed=2")
	held, err := run.LockFolder(training)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	var log strings.Builder
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, shards, &log); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"merge: left out 3 unfinished cells (no " + ResultFile + " yet)",
		"in " + filepath.Dir(filepath.Dir(stopped)) + ": optimizer=adam,seed=2",
		"in " + filepath.Dir(filepath.Dir(failed)) + ": optimizer=sgd,seed=1 (failed: its " + FailureFile + " says why)",
		fmt.Sprintf("optimizer=sgd,seed=2 (pid %d on ", os.Getpid()),
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the merge's log does not say %q:\n%s", want, log.String())
		}
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 1 {
		t.Errorf("merged: %d cells, %v; want the 1 finished", len(cells), err)
	}
}
