package study

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"mnistgpu/run"
)

// TestMergeIntoCellsOnAnotherFileSystem: a merge folder whose cells/ is on
// another file system than the folder itself (cells/ a link to a larger
// disk) cannot take its staged copies by renaming them ("invalid
// cross-device link"): the merge failed, exit 1, after removing the
// result.json of the cell it was replacing. The copies are copied where
// they cannot be renamed, as merges copied before they were staged.
func TestMergeIntoCellsOnAnotherFileSystem(t *testing.T) {
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
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, shards[:1], io.Discard); err != nil {
		t.Fatal(err)
	}
	// Every rename from the staging folder into cells/ crosses devices.
	defer func(r func(string, string) error) { renameStaged = r }(renameStaged)
	renameStaged = func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EXDEV}
	}
	if err := Merge(merged, shards, io.Discard); err != nil {
		t.Fatalf("a merge into cells/ on another file system: %v", err)
	}
	_, cells, err := LoadResults(merged)
	if err != nil || len(cells) != 2 {
		t.Fatalf("the merged study: %d cells, %v; want 2", len(cells), err)
	}
	entries, _ := os.ReadDir(merged)
	for _, e := range entries {
		if isStaging(e.Name()) {
			t.Errorf("the merge left its staging folder %s", e.Name())
		}
	}
}
