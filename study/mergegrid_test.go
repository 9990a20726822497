package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergeLeavesOutFoldersThatAreNoCell: a shard's complete cell whose
// folder is named for no cell of the study's grid (one of another study,
// copied in by hand), or for a cell whose config.json records other
// settings (swapped by hand), is left out of the merge, said in one line
// naming each, as a stale or unreadable cell is: the merge copied them,
// and the merged report left them out.
func TestMergeLeavesOutFoldersThatAreNoCell(t *testing.T) {
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	if err := Run(optimizerStudy("g"), s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	cells := filepath.Join(s, "cells")
	sgd, adam, rmsprop := filepath.Join(cells, "optimizer=sgd,seed=1"), filepath.Join(cells, "optimizer=adam,seed=1"), filepath.Join(cells, "optimizer=rmsprop,seed=1")
	if err := copyDir(sgd, rmsprop, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(adam); err != nil {
		t.Fatal(err)
	}
	if err := copyDir(sgd, adam, ""); err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "merged")
	var log bytes.Buffer
	if err := Merge(merged, []string{s}, &log); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(merged, "cells"))
	if len(entries) != 1 || entries[0].Name() != "optimizer=sgd,seed=1" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("merged cells %v, want optimizer=sgd,seed=1 alone", names)
	}
	want := `merge: left out 2 folders of the shards' cells that are no cell of study "g" (its report leaves them out): ` +
		adam + " (its config.json records other settings than the cell's); " + rmsprop + " (no cell of the grid)\n"
	if !strings.Contains(log.String(), want) {
		t.Errorf("merge said\n%s\nwant the line\n%s", log.String(), want)
	}
}
