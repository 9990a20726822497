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

// TestUnreadableStateLeavesOneCellOut: a cell whose state.safetensors is
// truncated (an interrupted copy of the study) cannot be resumed, so
// whether its result.json is its run's cannot be told. Reading every
// cell's state made that one file fail the whole report, results.csv and
// merge ("state.safetensors: EOF"), which read the result alone before.
// The cell is now incomplete there, as in the plan (whose resume says
// what is wrong), and the others are reported and merged.
func TestUnreadableStateLeavesOneCellOut(t *testing.T) {
	f := optimizerStudy("u") // sgd and adam, 1 epoch
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	if err := Run(f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(s, "cells", "optimizer=sgd,seed=1")
	if err := os.WriteFile(filepath.Join(cell, run.StateFile), nil, 0o666); err != nil {
		t.Fatal(err)
	}

	var unreadable *run.UnreadableStateError
	if _, err := run.CurrentResult(cell); !errors.As(err, &unreadable) || unreadable.Dir != cell {
		t.Errorf("run.CurrentResult of a cell with an empty state: %v, want an unreadable state", err)
	}
	merged, log := adamAlone(t, s, filepath.Join(dir, "merged"))
	if _, err := os.Stat(filepath.Join(merged, "cells", "optimizer=adam,seed=1", ResultFile)); err != nil {
		t.Errorf("the readable cell was not merged: %v", err)
	}
	if _, err := os.Stat(filepath.Join(merged, "cells", "optimizer=sgd,seed=1")); !os.IsNotExist(err) {
		t.Errorf("the cell with an unreadable state was merged: %v", err)
	}
	if want := "merge: left out 1 cell whose state.safetensors cannot be read, so whether its result.json is its run's cannot be told: " + cell + " ("; !strings.HasPrefix(log.String(), want) {
		t.Errorf("merge said\n%s\nwant a line starting\n%s", log.String(), want)
	}
}

// adamAlone checks that the study in s, of an optimizer axis whose sgd cell
// is incomplete, counts adam's cell alone in its results and results.csv,
// and merges it into merged, returning merged and what the merge said.
func adamAlone(t *testing.T, s, merged string) (string, *bytes.Buffer) {
	t.Helper()
	if _, cells, err := LoadResults(s); err != nil || len(cells) != 1 || cells[0].Cell.Params["optimizer"] != "adam" {
		t.Errorf("LoadResults: %d cells, %v; want adam's alone", len(cells), err)
	}
	if err := WriteResultsCSV(s, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, rows := readCSV(t, filepath.Join(s, ResultsCSV)); len(rows) != 1 || rows[0]["optimizer"] != "adam" {
		t.Errorf("results.csv: %v, want adam's row alone", rows)
	}
	var log bytes.Buffer
	if err := Merge(merged, []string{s}, &log); err != nil {
		t.Fatal(err)
	}
	return merged, &log
}
