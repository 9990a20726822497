package study

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMergeExtendedShards: shards run again with more epochs (or seeds) merge into
// the folder of their earlier merge (it was refused as "another study"),
// whose report leaves out the cells not extended yet, saying so; shards of
// different epochs, and shards shorter than the folder's study, are
// refused naming the epochs of each (they were refused without naming
// the difference), and leave the folder as it was.
func TestMergeExtendedShards(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("m") // 2 cells, 1 epoch
	dir := t.TempDir()
	shard := func(name string, f File, k int) string {
		out := filepath.Join(dir, name)
		if err := Run(f, out, run.Default(), Options{Shard: Shard{k, 2}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	refused := func(out string, shards []string, want string) {
		t.Helper()
		before, _ := os.ReadFile(filepath.Join(out, "study.json"))
		err := Merge(out, shards, io.Discard)
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("merge %v into %s: %v, want a setting error saying %q", shards, out, err, want)
		}
		if after, _ := os.ReadFile(filepath.Join(out, "study.json")); string(after) != string(before) {
			t.Errorf("a refused merge rewrote %s's study.json", out)
		}
	}
	s1, s2 := shard("s1", f, 1), shard("s2", f, 2)
	merged := filepath.Join(dir, "merged")
	if err := Merge(merged, []string{s1, s2}, io.Discard); err != nil {
		t.Fatal(err)
	}

	shard("s1", f.WithEpochs(2), 1)
	refused(filepath.Join(dir, "mixed"), []string{s1, s2}, "shard "+s2+" ran 1 epoch, shard "+s1+" ran 2 epochs;")
	if err := Merge(merged, []string{s1}, io.Discard); err != nil {
		t.Fatalf("merging a shard extended to 2 epochs into its earlier merge: %v", err)
	}
	if _, err := Report(merged, io.Discard); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(merged, "report", "report.md"))
	for _, want := range []string{"1 of the study's 2 cells complete", "up to 2 epochs each", "Left out: 1 cell with fewer epochs than the study asks for"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report of a half-extended merge lacks %q:\n%s", want, md)
		}
	}

	shard("s2", f.WithEpochs(2), 2)
	if err := Merge(merged, []string{s1, s2}, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, cells, err := LoadResults(merged)
	if err != nil || len(cells) != 2 {
		t.Fatalf("merged: %d cells, %v; want 2", len(cells), err)
	}
	for _, c := range cells {
		if len(c.History.Logs) != 2 || c.Result.Planned != 2 {
			t.Errorf("%s: %d epochs trained of %d planned, want 2 of 2", c.Key, len(c.History.Logs), c.Result.Planned)
		}
	}

	more := f.WithEpochs(2).WithSeeds(2)
	if err := Merge(merged, []string{shard("s1", more, 1), shard("s2", more, 2)}, io.Discard); err != nil {
		t.Fatalf("merging shards with a second seed into their earlier merge: %v", err)
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 4 {
		t.Errorf("merged with 2 seeds: %d cells, %v; want 4", len(cells), err)
	}

	shorter := shard("short", f.WithSeeds(2), 1)
	refused(merged, []string{shorter}, "shard "+shorter+" ran 1 epoch, the merge folder's study ran 2 epochs (a merge extends a study")
	other := f.WithEpochs(2).WithSeeds(2) // its own Fixed, not more's
	other.Fixed["train-limit"] = "200"
	refused(merged, []string{shard("other", other, 1)}, "fixes train-limit=200, the merge folder's study fixes train-limit=100")
}
