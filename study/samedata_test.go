package study

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/mnist"
	"mnistgpu/run"
)

// TestStudyKeepsToOneDataSet: a study folder whose cells trained on one
// data set is not continued on another, new cells included: run again with
// more seeds on another test set it is refused (a *run.DataMismatchError,
// exit 2) before anything trains. Only a cell that continued was checked,
// so new cells trained on the other data beside the old ones and the
// report compared them.
func TestStudyKeepsToOneDataSet(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("d")
	dir := t.TempDir()
	o := Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: io.Discard}
	if err := Run(f, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	other := *data
	other.Test = data.Test.Head(100)
	o.Data = &other
	err := Run(f.WithSeeds(2), dir, run.Default(), o)
	var dm *run.DataMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("more seeds on another test set: %v, want a data mismatch", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cells", "optimizer=sgd,seed=2")); !os.IsNotExist(err) {
		t.Errorf("a cell of the new seed was made: %v", err)
	}
}

// TestMergeKeepsToOneDataSet: shards of one study that trained on
// different data are refused by merge, naming two cells and the difference,
// before anything is written; they merged into one study.
func TestMergeKeepsToOneDataSet(t *testing.T) {
	data := smallData(t)
	other := *data
	other.Test = data.Test.Head(100)
	f := optimizerStudy("d")
	dir := t.TempDir()
	var shards []string
	for i, d := range []*mnist.Set{data, &other} {
		out := filepath.Join(dir, fmt.Sprint("s", i+1))
		if err := Run(f, out, run.Default(), Options{Shard: Shard{i + 1, 2}, Jobs: 1, Data: d, Log: io.Discard}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged")
	err := Merge(merged, shards, io.Discard)
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "were trained on other data (test set of 500 images there, 100 here)") {
		t.Errorf("merge of shards trained on two data sets: %v", err)
	}
	if _, err := os.Stat(merged); !os.IsNotExist(err) {
		t.Errorf("the refused merge wrote %s: %v", merged, err)
	}
	// Nor does one shard join the other's cells merged before.
	if err := Merge(merged, shards[:1], io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := Merge(merged, shards[1:], io.Discard); !errors.As(err, &se) || !strings.Contains(err.Error(), "were trained on other data") {
		t.Errorf("merge of a shard on other data into the other's merged cells: %v", err)
	}
}
