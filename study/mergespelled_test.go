package study

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergeShardsSpellingOutADefault: shards of one study run from a file
// that leaves Adam's lr to its default and from one that spells it out
// ("lr": "0.001") trained their cells alike, and merge, as `study run`
// continues such a folder (TestSpelledOutDefaultIsTheSameStudy); the merged
// folder records the first shard's study.json. Before, they were refused
// as "hold different studies: shard s2 fixes lr=0.001, shard s1 does not
// fix lr". A shard that trained with lr 0.01 is still refused, naming the
// setting and the value each shard's cells took. Merged again, with the
// shard that spells lr out first or alone, the folder's study is the same
// (it was refused as "holds another study").
func TestMergeShardsSpellingOutADefault(t *testing.T) {
	data := smallData(t)
	study := func(extra map[string]string) File {
		fixed := map[string]string{"model": "mlp", "optimizer": "adam", "epochs": "1", "train-limit": "200"}
		for k, v := range extra {
			fixed[k] = v
		}
		return File{Name: "spelled", Path: "spelled.json", Seeds: []uint64{1, 2}, Fixed: fixed}
	}
	dir := t.TempDir()
	shard := func(name string, f File, k int) string {
		out := filepath.Join(dir, name)
		if err := Run(f, out, run.Default(), Options{Shard: Shard{k, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	s1 := shard("s1", study(nil), 1)
	s2 := shard("s2", study(map[string]string{"lr": "0.001"}), 2)
	s3 := shard("s3", study(map[string]string{"lr": "0.01"}), 2)

	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, []string{s1, s2}, io.Discard); err != nil {
		t.Fatalf("shards of one study, Adam's lr spelled out in one: %v", err)
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 2 {
		t.Errorf("merged: %d cells, %v; want 2", len(cells), err)
	}
	first, _ := os.ReadFile(filepath.Join(s1, "study.json"))
	if now, _ := os.ReadFile(filepath.Join(merged, "study.json")); !bytes.Equal(now, first) {
		t.Errorf("merged study.json:\n%s\nwant the first shard's:\n%s", now, first)
	}
	// Merged again, the shard that spells lr out first, or alone: the
	// folder's study.json (the first shard's) is its study.
	for _, shards := range [][]string{{s2, s1}, {s2}} {
		if err := Merge(merged, shards, io.Discard); err != nil {
			t.Errorf("merging %v again: %v", shards, err)
		}
	}

	err := Merge(filepath.Join(dir, "mixed"), []string{s1, s3}, io.Discard)
	var se *SettingError
	if want := "hold different studies: lr: not given (0.001) vs 0.01 (shard " + s1 + " vs shard " + s3 + ")"; !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
		t.Errorf("lr 0.01 beside Adam's default: %v, want a setting error saying %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "mixed")); !os.IsNotExist(err) {
		t.Errorf("a refused merge made its folder: %v", err)
	}
	if err := Merge(merged, []string{s3}, io.Discard); !errors.As(err, &se) || !strings.Contains(err.Error(), "holds another study") {
		t.Errorf("lr 0.01 into the merged folder: %v, want it refused as another study", err)
	}
}
