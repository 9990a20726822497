package study

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestCellWithOtherFilesFails: a cell's folder that holds a user's file is
// no run's folder (run.OtherFilesError): the cell fails saying so as the
// study's cell, not with the --out and --overwrite its user never gave, the
// file stays, and the other cells train.
func TestCellWithOtherFilesFails(t *testing.T) {
	data := smallData(t)
	f := File{Name: "other", Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "200", "optimizer": "sgd"}}
	dir := t.TempDir()
	cell := filepath.Join(dir, "cells", "lr=0.1,seed=1")
	os.MkdirAll(cell, 0o755)
	notes := filepath.Join(cell, "notes.txt")
	os.WriteFile(notes, []byte("mine"), 0o644)
	var log bytes.Buffer
	err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 1 {
		t.Fatalf("err = %v, want the cell with notes.txt failed\n%s", err, log.String())
	}
	why := string(mustRead(t, filepath.Join(cell, FailureFile)))
	if !strings.Contains(why, "the cell's folder "+cell+" holds files no run writes (notes.txt)") || strings.Contains(why, "--overwrite") {
		t.Errorf("failed.txt: %s", why)
	}
	if got := string(mustRead(t, notes)); got != "mine" {
		t.Errorf("notes.txt holds %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "cells", "lr=0.01,seed=1", run.ResultFile)); err != nil {
		t.Errorf("the other cell: %v", err)
	}
}
