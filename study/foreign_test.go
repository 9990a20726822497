package study

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestForeignCellIsRefused: a cell folder replaced by a run of other
// settings (trained there by hand) is neither counted as complete nor
// extended as if it were the cell: the cell fails naming the difference,
// and the other cells are untouched.
func TestForeignCellIsRefused(t *testing.T) {
	data := smallData(t)
	f := File{Name: "foreign", Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "200", "optimizer": "sgd"}}
	dir := t.TempDir()
	study := func(epochs int) (string, error) {
		var log bytes.Buffer
		err := Run(f.WithEpochs(epochs), dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log})
		return log.String(), err
	}
	if log, err := study(1); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	// A run of lr 0.001 trained by hand into the lr=0.1 cell's folder.
	cell := filepath.Join(dir, "cells", "lr=0.1,seed=1")
	hand := run.Default()
	hand.Model.Name, hand.Epochs, hand.Data.TrainLimit, hand.Output.Dir = "mlp", 1, 200, cell
	if err := hand.Set("optimizer", "sgd"); err != nil {
		t.Fatal(err)
	}
	if err := hand.Set("lr", "0.001"); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Train(hand, run.Options{Data: data, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	for _, epochs := range []int{1, 2} { // as it is, and extended
		log, err := study(epochs)
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Failed != 1 {
			t.Fatalf("epochs %d: err = %v, want the hand-trained cell failed\n%s", epochs, err, log)
		}
		why := string(mustRead(t, filepath.Join(cell, FailureFile)))
		if !strings.Contains(why, "holds a run of other settings") || !strings.Contains(why, "lr: 0.001 vs 0.1") {
			t.Errorf("epochs %d: failed.txt: %s", epochs, why)
		}
	}
	if _, _, err := run.LoadResume(filepath.Join(dir, "cells", "lr=0.01,seed=1")); err != nil {
		t.Errorf("the other cell: %v", err)
	}
	// The report and results.csv leave the hand-trained run out.
	_, cells, err := LoadResults(dir)
	if err != nil || len(cells) != 1 || cells[0].Key != "lr=0.01,seed=1" {
		t.Errorf("LoadResults: %d cells, %v; want only lr=0.01", len(cells), err)
	}
}
