package study

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"mnistgpu/run"
)

// lockStudyFile is a study of two one-epoch cells, quick to train.
var lockStudyFile = optimizerStudy("locked")

// optimizerStudy is the tests' two-cell study called name: the MLP for one
// epoch on 100 images with SGD and with Adam, seed 1.
func optimizerStudy(name string) File {
	return File{Name: name, Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100"}}
}

// setHooks sets the study writers' test hooks until the test ends.
func setHooks(t *testing.T, write func(dir, file string), waiting func(dir string)) {
	beforeStudyWrite, lockWaiting = write, waiting
	t.Cleanup(func() { beforeStudyWrite, lockWaiting = nil, nil })
}

// TestResultsCSVKeepsEveryRow: two processes writing one study's
// results.csv, the first reading the cells before the second's cell
// finished and writing after the second wrote, lost the second's row
// (results.csv was read and written without the folder's lock). The first
// now holds the study's lock from its reading to its writing: the second
// waits for it, then reads both cells. Deterministic: the first stops
// between its reading and its writing until the second has either written
// (no lock: the row is lost) or is waiting for the lock.
func TestResultsCSVKeepsEveryRow(t *testing.T) {
	dir := t.TempDir()
	if err := Run(lockStudyFile, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	// The second cell has not finished yet when the first writer reads.
	second := filepath.Join(dir, "cells", lockStudyFile.Cells()[1].Key(lockStudyFile.Axes), ResultFile)
	if err := os.Rename(second, second+".later"); err != nil {
		t.Fatal(err)
	}
	var (
		first     atomic.Bool
		waiting   = make(chan struct{})
		secondErr = make(chan error, 1)
	)
	setHooks(t, func(string, string) {
		if first.Swap(true) {
			return // the second writer
		}
		// The first writer, between its reading and its writing: the
		// second cell finishes, and its process writes results.csv.
		if err := os.Rename(second+".later", second); err != nil {
			t.Error(err)
		}
		go func() { secondErr <- WriteResultsCSV(dir, io.Discard) }()
		select {
		case err := <-secondErr: // written meanwhile: it did not wait for the first
			secondErr <- err
		case <-waiting:
		}
	}, func(string) { close(waiting) })
	if err := WriteResultsCSV(dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := <-secondErr; err != nil {
		t.Fatal(err)
	}
	if _, rows := readCSV(t, filepath.Join(dir, ResultsCSV)); len(rows) != 2 {
		t.Errorf("results.csv holds %d rows after both cells finished, want 2: %v", len(rows), rows)
	}
}

// TestStudyFilesWrittenUnderLock: every writer of a study's own files
// (results.csv by `study run`, also when it has nothing to do, and by
// `study merge`; the report) holds the study folder's lock between reading
// the cells and writing.
func TestStudyFilesWrittenUnderLock(t *testing.T) {
	base := t.TempDir()
	dir, merged := filepath.Join(base, "study"), filepath.Join(base, "merged")
	writes := map[string]int{}
	setHooks(t, func(d, file string) {
		writes[filepath.Base(d)+"/"+file]++
		l, err := run.LockFolder(d)
		var held *run.LockedError
		if !errors.As(err, &held) {
			t.Errorf("%s of %s written without the study's lock (taking it: %v)", file, d, err)
		}
		l.Unlock()
	}, nil)
	o := Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}
	for range 2 { // trains, then has nothing to do
		if err := Run(lockStudyFile, dir, run.Default(), o); err != nil {
			t.Fatal(err)
		}
	}
	if err := Merge(merged, []string{dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := Report(merged, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"study/" + ResultsCSV, "merged/" + ResultsCSV, "merged/report"} {
		if writes[w] == 0 {
			t.Errorf("%s was not written", w)
		}
	}
	if writes["study/"+ResultsCSV] != 2 {
		t.Errorf("study run wrote results.csv %d times in two runs, want 2", writes["study/"+ResultsCSV])
	}
}

// TestMergeWaitsForTheStudysWriter: `study merge` into a folder whose lock
// a writer of the study's files held for a moment (results.csv, a plan)
// was refused at once; it waits for it as `study run` and `study report`
// do, saying so, then merges. Deterministic: the holder lets go when the
// merge says it is waiting.
func TestMergeWaitsForTheStudysWriter(t *testing.T) {
	base := t.TempDir()
	dir, merged := filepath.Join(base, "study"), filepath.Join(base, "merged")
	if err := Run(lockStudyFile, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	held, err := run.LockFolder(merged)
	if err != nil {
		t.Fatal(err)
	}
	waited := false
	setHooks(t, nil, func(d string) {
		if d == merged && !waited {
			waited = true
			held.Unlock()
		}
	})
	var log bytes.Buffer
	if err := Merge(merged, []string{dir}, &log); err != nil {
		t.Fatalf("merge into a folder a writer held for a moment: %v", err)
	}
	if !waited || !strings.Contains(log.String(), merged+" is being written by ") || !strings.Contains(log.String(), ": waiting for it") {
		t.Errorf("the merge did not say it waited: %q", log.String())
	}
	if _, cells, err := LoadResults(merged); err != nil || len(cells) != 2 {
		t.Errorf("merged: %d cells, %v; want 2", len(cells), err)
	}
}
