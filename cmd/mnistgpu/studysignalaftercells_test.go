package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mnistgpu/run"
	"mnistgpu/study"
)

// TestSignalAfterTheLastCellSaysTheStudyFinishes: a SIGTERM sent once a
// study's cells have all ended (its results.csv not yet written) said
// "stopping at the next step boundary and saving the state", and the study
// finished with exit 0. It says that training has ended with its state
// saved and that the study finishes, as train says of a run, which it
// does: exit 0, its shard line, results.csv written.
//
// The moment is held without timing: the test takes the study folder's
// lock once the study has planned, so writing results.csv, its first step
// after the last cell, waits for it and says so; the test lets go once the
// signal is answered.
func TestSignalAfterTheLastCellSaysTheStudyFinishes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "study.json")
	os.WriteFile(file, []byte(`{"name":"after","axes":[{"name":"optimizer","values":["adam","sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"100","batch-size":"50"}}`), 0o644)
	out := filepath.Join(dir, "study")
	cmd, pipe, sc, stderr := startReadingStderr(t, "study", "run", file, "--threads", "1", "--data-dir", small, "--no-verify", "--out", out)
	// Should a wording change leave a wait unanswered, the study is killed
	// after a minute and the test fails instead of hanging.
	watchdog := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	var lock *run.Lock
	signalled := false
scan:
	for sc.Scan() {
		line := sc.Text()
		switch {
		case lock == nil && strings.Contains(line, "2 cells; 2 to run"): // said as it plans, under the lock
			var err error
			if lock, err = run.WaitLockFolder(out); err != nil {
				cmd.Process.Kill()
				t.Fatal(err)
			}
		case lock != nil && !signalled && strings.Contains(line, "is being written by"):
			cmd.Process.Signal(syscall.SIGTERM)
			signalled = true
		case signalled && strings.TrimSpace(line) != "": // the signal's answer
			break scan
		}
	}
	if lock != nil {
		lock.Unlock()
	}
	io.Copy(stderr, pipe)
	cmd.Wait()
	if !signalled {
		t.Fatalf("the study never waited to write its results.csv:\n%s", stderr)
	}
	said := "terminated: training has ended and every cell's state is saved; the study finishes"
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(stderr.String(), said) ||
		strings.Contains(stderr.String(), "stopping at the next step boundary") || !strings.Contains(stderr.String(), "shard 1/1: 2 cells, 2 run now, 0 failed") {
		t.Fatalf("exit %d, want 0 saying %q and the shard line:\n%s", code, said, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, study.ResultsCSV)); err != nil {
		t.Errorf("no results.csv of the finished study: %v", err)
	}
}
