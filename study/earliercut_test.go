package study

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A cell that an earlier version's step budget cut within its last epoch
// (its state at that epoch's end, its result without a stop) cannot be
// continued by a larger max-steps: the study is refused naming the cell,
// before study.json records the budget. It was taken as complete, the
// larger budget recorded over the steps it trained. A cell whose budget
// ended at its last epoch's end is complete under any larger budget.
func TestEarlierCutCellIsRefusedByName(t *testing.T) {
	data := smallData(t)
	// 320 training images: in batches of 40, 8 steps an epoch, so that 10
	// cut the last (2nd) epoch after 2 steps; in batches of 64, 5, so that
	// 10 end at its end.
	budget := func(steps string) File {
		return File{Name: "cut", Axes: []Axis{{Name: "batch-size", Values: []string{"40", "64"}}}, Seeds: []uint64{1},
			Fixed: map[string]string{"model": "mlp", "epochs": "2", "train-limit": "400", "max-steps": steps}}
	}
	dir := t.TempDir()
	o := Options{Shard: Shard{1, 1}, Data: data, Jobs: 1}
	if err := Run(budget("10"), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cells", "batch-size=40,seed=1")
	asEarlierVersion(t, cut)
	for _, steps := range []string{"12", "0"} {
		err := Run(budget(steps), dir, run.Default(), o)
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), cut+": its step budget (max-steps 10) cut its last epoch, 2, short in an earlier version") ||
			strings.Contains(err.Error(), "batch-size=64") {
			t.Errorf("max-steps %s over a cell an earlier version cut: %v", steps, err)
		}
		if f := mustLoad(t, dir); f.Fixed["max-steps"] != "10" {
			t.Errorf("refused, study.json records max-steps %q", f.Fixed["max-steps"])
		}
	}
	// Moved away, the cell trains anew; the one whose budget ended at its
	// last epoch's end is complete.
	if err := os.RemoveAll(cut); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	o.Log = &log
	if err := Run(budget("12"), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "1 to run") {
		t.Errorf("max-steps 12 with the cut cell moved away:\n%s", log.String())
	}
}

// asEarlierVersion rewrites the cell in dir, which a step budget stopped
// within its last epoch, as the version before saved it: its state at that
// epoch's end with the cut epoch in its history, its result without a stop.
func asEarlierVersion(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.EpochStep == 0 {
		t.Fatalf("%s: its state is at an epoch's end", dir)
	}
	ck.History = mustRead(t, filepath.Join(dir, "history.json"))
	ck.NextEpoch, ck.EpochStep, ck.Metrics, ck.EpochSeconds = ck.NextEpoch+1, 0, nil, 0
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, run.ResultFile)), &r); err != nil {
		t.Fatal(err)
	}
	delete(r, "stopped")
	// It counted the cut epoch among its epochs, and said no cut steps.
	r["epochs"] = r["epochs"].(float64) + 1
	delete(r, "cut_epoch_steps")
	raw, _ := json.Marshal(r)
	if err := os.WriteFile(filepath.Join(dir, run.ResultFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
