package study

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/run"
)

// TestMergePassesOverFilesBesideTheCells: a file in a shard's cells folder
// (a .DS_Store, a user's notes), or in the merge folder's own, is no cell;
// `study run` and the report pass over it, and the merge failed on it
// ("cells/.DS_Store/result.json: not a directory", exit 1).
func TestMergePassesOverFilesBesideTheCells(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m")
	dir := t.TempDir()
	var shards []string
	for i := 1; i <= 2; i++ {
		out := filepath.Join(dir, "s"+string(rune('0'+i)))
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out)
	}
	stray := func(folder, name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(folder, "cells", name), []byte("not a cell\n"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	stray(shards[0], ".DS_Store")
	stray(shards[1], "notes.txt")
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, shards, io.Discard); err != nil {
		t.Fatalf("merge of shards with files beside their cells: %v", err)
	}
	stray(merged, "notes.txt")
	if err := Merge(merged, shards, io.Discard); err != nil {
		t.Fatalf("merge again into a folder with a file beside its cells: %v", err)
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 2 {
		t.Fatalf("merged: %d cells, %v; want 2", len(cells), err)
	}
	if _, err := os.Stat(filepath.Join(merged, "cells", ".DS_Store")); !os.IsNotExist(err) {
		t.Errorf("a shard's file beside its cells was copied as a cell: %v", err)
	}
}
