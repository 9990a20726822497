package study

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mnistgpu/run"
)

// TestStopMadeStartsNoCell: a stop made before the study's cells are
// handed out (a signal while it loaded its data or planned) starts none,
// however often it is tried (the feed chose at random between the stop and
// a slot ready for the next cell), and says that nothing was saved: it said
// its running cells saved their state.
func TestStopMadeStartsNoCell(t *testing.T) {
	data := smallData(t)
	f := File{Name: "stop", Axes: []Axis{{Name: "lr", Values: []string{"0.01", "0.001"}}}, Seeds: []uint64{1, 2},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100"}}
	stop := make(chan struct{})
	close(stop)
	for i := range 8 {
		dir := filepath.Join(t.TempDir(), "s")
		err := Run(f, dir, run.Default(), Options{Jobs: 2, Shard: Shard{1, 1}, Data: data, Stop: stop})
		var se *StoppedError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "study stopped before any cell started: nothing to save") {
			t.Fatalf("try %d: %v, want the study stopped before any cell started", i, err)
		}
		if cells, _ := os.ReadDir(filepath.Join(dir, "cells")); len(cells) > 0 {
			t.Fatalf("try %d: %d cells started after the stop", i, len(cells))
		}
	}
}

// TestStoppedSaysWhatWasSaved: the line of a stopped study says whether
// its running cells saved their state, or none was running (before the
// first cell, between two): it said they saved their state in every case.
func TestStoppedSaysWhatWasSaved(t *testing.T) {
	for _, c := range []struct {
		e    StoppedError
		want string
	}{
		{StoppedError{Dir: "d", Left: 4}, "study stopped before any cell started: nothing to save; run the same command again to start it in d"},
		{StoppedError{Dir: "d", Started: 2, Left: 2}, "study stopped between cells: none was running, so nothing to save (2 cells not started); run the same command again to continue it in d"},
		{StoppedError{Dir: "d", Started: 3, Stopped: 2, Left: 1}, "study stopped: its running cells saved their state; run the same command again to continue it in d"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

// stopAt is a study's log that makes the stop when a line holding at is
// written: a cell's end line, written by its slot before it takes the next.
type stopAt struct {
	at   string
	stop chan struct{}
	once sync.Once
	log  bytes.Buffer
}

func (w *stopAt) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(w.at)) {
		w.once.Do(func() { close(w.stop) })
	}
	return w.log.Write(p)
}

// TestStopBetweenCellsAndAfterTheLast: a stop as the first of four cells
// ends, one at a time, leaves three not started and says that none was
// running; one as the last ends stopped nothing, and the study finishes
// (it returned a stop, which a job script that sent the warning took for
// a task to requeue), and Options.Trained tells that no step is left to
// stop at (the first, whose cells had not all ended, is not told so), as
// it tells a study run again with nothing to do. The same study then ends
// as one never stopped.
func TestStopBetweenCellsAndAfterTheLast(t *testing.T) {
	data := smallData(t)
	f := File{Name: "stop", Axes: []Axis{{Name: "lr", Values: []string{"0.01", "0.001"}}}, Seeds: []uint64{1, 2},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100"}}
	dir := t.TempDir()
	trained := 0 // Run calls Trained from its slots, one at a time
	between := &stopAt{at: "[1/4 done", stop: make(chan struct{})}
	err := Run(f, filepath.Join(dir, "between"), run.Default(), Options{Jobs: 1, Shard: Shard{1, 1}, Data: data, Stop: between.stop, Log: between,
		Trained: func() { trained++ }})
	var se *StoppedError
	if !errors.As(err, &se) || se.Started != 1 || se.Stopped != 0 || se.Left != 3 || !strings.Contains(err.Error(), "none was running, so nothing to save (3 cells not started)") {
		t.Errorf("stopped as the first cell ended: %v (%+v), want 1 started, none stopped, 3 left\n%s", err, se, between.log.String())
	}
	if trained != 0 {
		t.Errorf("Trained called %d times of a study stopped with 3 cells not started", trained)
	}
	if err := Run(f, filepath.Join(dir, "between"), run.Default(), Options{Jobs: 1, Shard: Shard{1, 1}, Data: data}); err != nil {
		t.Fatalf("the study run again: %v", err)
	}
	last := &stopAt{at: "[4/4 done", stop: make(chan struct{})}
	if err := Run(f, filepath.Join(dir, "last"), run.Default(), Options{Jobs: 2, Shard: Shard{1, 1}, Data: data, Stop: last.stop, Log: last,
		Trained: func() { trained++ }}); err != nil || trained != 1 {
		t.Errorf("stopped as the last cell ended: %v, Trained called %d times; want the study finished, told once\n%s", err, trained, last.log.String())
	}
	// Run again, the finished study has no cell to train: it is told so at
	// once, and a stop then has nothing to stop.
	trained = 0
	if err := Run(f, filepath.Join(dir, "last"), run.Default(), Options{Jobs: 1, Shard: Shard{1, 1}, Data: data,
		Trained: func() { trained++ }}); err != nil || trained != 1 {
		t.Errorf("the finished study run again: %v, Trained called %d times; want told once", err, trained)
	}
	for _, c := range f.Cells() {
		key := c.Key(f.Axes)
		a := dataSection(t, filepath.Join(dir, "between", "cells", key, run.FinalFile))
		b := dataSection(t, filepath.Join(dir, "last", "cells", key, run.FinalFile))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: final weights differ between the study stopped between cells and the one stopped after them", key)
		}
	}
}
