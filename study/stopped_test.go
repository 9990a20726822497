package study

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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
// first cell, between two, after the last): it said they saved their state
// in every case.
func TestStoppedSaysWhatWasSaved(t *testing.T) {
	for _, c := range []struct {
		e    StoppedError
		want string
	}{
		{StoppedError{Dir: "d", Left: 4}, "study stopped before any cell started: nothing to save; run the same command again to start it in d"},
		{StoppedError{Dir: "d", Started: 2, Left: 2}, "study stopped between cells: none was running, so nothing to save (2 cells not started); run the same command again to continue it in d"},
		{StoppedError{Dir: "d", Started: 4}, "study stopped after its last cell ended: none was running, so nothing to save; " + filepath.Join("d", ResultsCSV) + " holds its results"},
		{StoppedError{Dir: "d", Started: 3, Stopped: 2, Left: 1}, "study stopped: its running cells saved their state; run the same command again to continue it in d"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}
