package study

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestCutCellCountsWholeEpochs: a cell its step budget cut within an epoch
// is said, and read, by the epochs that ended and the cut one's steps: its
// line "after 1 epoch and 1 step of epoch 2 (its step budget, 3 steps,
// spent)" said "after 2 epochs (… spent in epoch 2)" of a cell whose
// history held one. A cell's result.json of the earlier version (the cut
// epoch among its epochs) reads the same, and the cell stays complete.
func TestCutCellCountsWholeEpochs(t *testing.T) {
	data := smallData(t)
	// 100 images of batch 50: 2 steps an epoch, the budget's 3 spent at
	// step 1 of epoch 2.
	f := File{Name: "cut", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "3", "train-limit": "100",
		"batch-size": "50", "max-steps": "3"}}
	dir := t.TempDir()
	var log bytes.Buffer
	if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if want := "after 1 epoch and 1 step of epoch 2 (its step budget, 3 steps, spent)"; !strings.Contains(log.String(), want) {
		t.Errorf("the study's log:\n%s\nwant %q", log.String(), want)
	}
	cell := filepath.Join(dir, "cells", f.Cells()[0].Key(f.Axes))
	check := func(when string) {
		t.Helper()
		_, cells, err := LoadResults(dir)
		if err != nil || len(cells) != 1 {
			t.Fatalf("%s: %d cells, %v", when, len(cells), err)
		}
		if r := cells[0].Result; r.Epochs != 1 || r.CutSteps != 1 || r.Steps != 3 || len(cells[0].History.Logs) != 1 {
			t.Errorf("%s: result %+v, history %d epochs; want 1 epoch and 1 step of epoch 2, as its history", when, r, len(cells[0].History.Logs))
		}
	}
	check("written now")
	var raw map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(cell, ResultFile)), &raw); err != nil {
		t.Fatal(err)
	}
	raw["epochs"] = 2.0 // as the earlier version wrote it
	delete(raw, "cut_epoch_steps")
	b, _ := json.Marshal(raw)
	if err := os.WriteFile(filepath.Join(cell, ResultFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	check("of the earlier version")
	log.Reset()
	if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "1 already complete: nothing to do") {
		t.Errorf("study run again over the earlier result.json:\n%s", log.String())
	}
}
