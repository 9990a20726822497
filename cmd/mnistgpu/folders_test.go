package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// What a run writes is its own: no output name of one run replaces another
// run's files or its own, and run and study folders never mix (QA of issues
// 22 and 23). Every command here is a real process or the CLI's own entry.

// A run SIGKILLed during its first epoch, before any state exists: --resume
// says that nothing is saved and that the same command starts it, and the
// same command does. SGD with a values: schedule records the schedule's
// first rate, which reading config.json back unsets: the comparison must
// resolve both sides.
func TestKilledInFirstEpochStartsAgain(t *testing.T) {
	out := filepath.Join(t.TempDir(), "X")
	args := append([]string{"train", "--model", "cnn", "--out", out, "--epochs", "2", "--train-limit", "1000",
		"--optimizer", "sgd", "--lr-schedule", "values:0.05,0.02"}, smallData...)
	cmd, pipe, sc, stderr := startReadingStderr(t, args...)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Epoch 1/2") {
			cmd.Process.Kill()
			break
		}
	}
	io.Copy(stderr, pipe)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, run.StateFile)); err == nil {
		t.Fatalf("the kill came after the first state was saved:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, run.ConfigFile)); err != nil {
		t.Fatalf("the killed run wrote no config.json: %v\n%s", err, stderr)
	}
	_, msg, code := output(t, "train", "--resume", out, "--quiet")
	if code != 2 || !strings.Contains(msg, "the same command without --resume starts it") {
		t.Errorf("--resume after a kill in epoch 1: exit %d\n%s", code, msg)
	}
	if _, msg, code := output(t, args...); code != 0 {
		t.Errorf("the same command again: exit %d\n%s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err != nil {
		t.Errorf("the run started again did not finish: %v", err)
	}
}
