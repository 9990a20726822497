package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mnistgpu/run"
)

// TestStudyCellKilledInItsExtension: a cell trained for 1 epoch, then
// extended by a study run that is killed (SIGKILL) once the cell's state
// has trained more than its result.json records, keeps the 1-epoch
// result.json. A merge took it as complete (its 1-epoch numbers beside a
// longer history and checkpoint); it now leaves it out, saying so, and
// running the study again finishes it.
func TestStudyCellKilledInItsExtension(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "study.json")
	if err := os.WriteFile(spec, []byte(`{"name": "k", "seeds": [1], "fixed": {"model": "mlp", "epochs": "1", "train-limit": "100"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s")
	args := func(more ...string) []string {
		return append([]string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"}, more...)
	}
	if err := cliRun(args()...); err != nil {
		t.Fatal(err)
	}
	cells, _ := filepath.Glob(filepath.Join(out, "cells", "*"))
	if len(cells) != 1 {
		t.Fatalf("cells %v, want 1", cells)
	}
	cell := cells[0]

	cmd := command(args("--epochs", "100")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var stale *run.StaleResultError
	for {
		if _, err := run.CurrentResult(cell); errors.As(err, &stale) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the extension ended (%v) before its state trained more than its result", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	<-exited
	if _, err := run.CurrentResult(cell); !errors.As(err, &stale) || stale.Result.Epochs != 1 {
		t.Fatalf("after the kill: %v, want the 1-epoch result beside a longer state", err)
	}

	merged := filepath.Join(dir, "merged")
	msg, code := commandIn(t, dir, "study", "merge", out, "--out", merged)
	if code != 0 || !strings.Contains(msg, "merge: left out 1 cell whose result.json is older than its state.safetensors") || !strings.Contains(msg, cell) {
		t.Errorf("merge of the killed extension: exit %d\n%s", code, msg)
	}
	if !strings.Contains(msg, "merged 1 shard folder into "+merged+"\n") {
		t.Errorf("a merge of one shard does not say so in the singular:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(merged, "cells", filepath.Base(cell))); !os.IsNotExist(err) {
		t.Errorf("the killed extension was merged: %v", err)
	}

	if err := cliRun(args("--epochs", "100")...); err != nil {
		t.Fatal(err)
	}
	if r, err := run.CurrentResult(cell); err != nil || r.Epochs != 100 {
		t.Errorf("run again: %v, want the cell finished at 100 epochs", err)
	}
}
