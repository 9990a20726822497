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

// TestStaleResultIsNotComplete: a cell extended from 1 epoch to 2 and
// stopped after its last epoch's state, before its final weights and
// result (a SIGKILL there leaves this: the run writes them last), keeps
// the 1-epoch run's result.json beside a 2-epoch state and history. It was
// taken as complete: merged (its 1-epoch numbers beside a 2-epoch history
// and checkpoint), written to results.csv and skipped by a study run that
// planned 1 epoch. Now it is incomplete wherever the study decides it
// (run.CurrentResult, the check a resume makes), a merge says it left it
// out, and a study run of 2 epochs finishes it with the weights of a run
// that was never stopped.
func TestStaleResultIsNotComplete(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("c") // sgd and adam, 1 epoch
	dir := t.TempDir()
	s := filepath.Join(dir, "s")
	study := func(f File) {
		t.Helper()
		if err := Run(f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	study(f)
	cell := filepath.Join(s, "cells", "optimizer=sgd,seed=1")
	shortCfg := mustConfig(t, f, run.Default())
	shortCfg.Output.Dir = cell
	if !complete(shortCfg) {
		t.Fatal("the 1-epoch cell is not complete")
	}
	shortResult, shortFinal := mustRead(t, filepath.Join(cell, ResultFile)), mustRead(t, filepath.Join(cell, run.FinalFile))
	study(f.WithEpochs(2))
	want := dataSection(t, filepath.Join(cell, run.FinalFile))
	for name, raw := range map[string][]byte{ResultFile: shortResult, run.FinalFile: shortFinal} {
		if err := os.WriteFile(filepath.Join(cell, name), raw, 0o666); err != nil {
			t.Fatal(err)
		}
	}

	var stale *run.StaleResultError
	if _, err := run.CurrentResult(cell); !errors.As(err, &stale) || stale.Result.Epochs != 1 || stale.StateEpochs != 2 {
		t.Errorf("run.CurrentResult of the stopped extension: %v, want a stale result of 1 epoch beside a state of 2", err)
	}
	if complete(shortCfg) {
		t.Error("a study run of 1 epoch plans the stopped extension as complete")
	}
	merged, log := adamAlone(t, s, filepath.Join(dir, "merged"))
	if _, err := os.Stat(filepath.Join(merged, "cells", "optimizer=sgd,seed=1")); !os.IsNotExist(err) {
		t.Errorf("the stopped extension was merged: %v", err)
	}
	line := "merge: left out 1 cell whose result.json is older than its state.safetensors (continued, and stopped before its end: run its shard again to finish it): " +
		cell + " (its result 1 epoch, its state 2 epochs)\n"
	if log.String() != line {
		t.Errorf("merge said\n%s\nwant\n%s", log.String(), line)
	}

	study(f.WithEpochs(2))
	if r, err := run.CurrentResult(cell); err != nil || r.Epochs != 2 {
		t.Fatalf("after the study ran again: %v", err)
	}
	if got := dataSection(t, filepath.Join(cell, run.FinalFile)); !bytes.Equal(got, want) {
		t.Error("the finished cell's final weights are not those of the extension that was never stopped")
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(cell, LogFile))), "all 2 epochs were trained, but the run stopped before writing its result; finishing it") {
		t.Error("the cell was not finished from its state")
	}
}
