//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStudyKeepsAWarningSentWhileItStarts: a SIGUSR1 sent to `study run`
// while it plans the study and loads its data (here on the line it prints
// before loading) stops it before any cell starts, exit 138, and the same
// command then trains the study. The runtime ignored it: the study trained
// on, and a job script's warning at or before its start (Slurm's
// --signal=B:USR1@N with N at or above --time) was lost. The stop says
// that nothing had started, so nothing was saved (it said "its running
// cells saved their state").
func TestStudyKeepsAWarningSentWhileItStarts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "study.json")
	// momentum does not apply to the adam cell: said before the data loads.
	os.WriteFile(file, []byte(`{"name":"w","axes":[{"name":"optimizer","values":["adam","sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","momentum":"0.9","train-limit":"200","batch-size":"20"}}`), 0o644)
	out := filepath.Join(dir, "study")
	args := []string{"study", "run", file, "--epochs", "2", "--threads", "1", "--data-dir", small, "--no-verify", "--out", out}
	code, stderr := signalWhen(t, syscall.SIGUSR1, "does not apply to 1 of its 2 cells", args...)
	if code != 138 || !strings.Contains(stderr, "study stopped before any cell started: nothing to save; run the same command again to start it in "+out) {
		t.Fatalf("exit %d, want 138 and the study stopped before any cell started:\n%s", code, stderr)
	}
	metrics, _ := filepath.Glob(filepath.Join(out, "cells", "*", "metrics.jsonl"))
	for _, m := range metrics {
		if raw := mustRead(t, m); strings.Contains(string(raw), `"event":"epoch"`) || !strings.Contains(string(raw), `"steps":0`) {
			t.Errorf("%s: a cell trained after the warning:\n%s", m, raw)
		}
	}
	if _, stderr, code := output(t, args...); code != 0 {
		t.Fatalf("the study run again: exit %d\n%s", code, stderr)
	}
}
