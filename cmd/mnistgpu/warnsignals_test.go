//go:build unix

package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// TestWarningSignalsStopAndSave: SIGUSR1 and SIGUSR2, the signals a batch
// system sends to warn a job before its time limit (`#SBATCH
// --signal=USR1@60`), stop a real training process at its next step
// boundary with its state saved, exit 138 and 140, and the run resumed
// after both ends with the weights of a run never stopped. The Go runtime
// ignored them: the warning was lost and the run went on until the
// time limit's TERM and SIGKILL.
func TestWarningSignalsStopAndSave(t *testing.T) {
	ref, out, args := stopRuns(t)
	for _, warn := range []struct {
		sig   syscall.Signal
		after string
		code  int
	}{{syscall.SIGUSR1, "Epoch 2/4", 138}, {syscall.SIGUSR2, "Epoch 3/4", 140}} {
		code, stderr := signalWhen(t, warn.sig, warn.after, args...)
		if _, err := engine.LoadTrainCheckpoint(filepath.Join(out, run.StateFile)); err != nil {
			t.Fatalf("%v: no state saved: %v\n%s", warn.sig, err, stderr)
		}
		if code != warn.code || !strings.Contains(stderr, "continue with mnistgpu train --resume "+out) {
			t.Fatalf("%v: exit %d, want %d, and stderr saying how to continue:\n%s", warn.sig, code, warn.code, stderr)
		}
		args = []string{"train", "--resume", out, "--quiet"}
	}
	if _, stderr, code := output(t, args...); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	a := dataOf(t, mustRead(t, filepath.Join(ref, "final.safetensors")))
	b := dataOf(t, mustRead(t, filepath.Join(out, "final.safetensors")))
	if !bytes.Equal(a, b) {
		t.Error("final weights after the warnings differ from the uninterrupted run's")
	}
}

// TestSecondWarningDoesNotQuit: a second SIGUSR1 while the first waits
// for a CNN step of 800 images (2 an epoch) (the job script of docs/study.md passing a
// warning on after `scancel --full` signalled mnistgpu too) only asks for
// the stop again: the step ends and its state is saved, exit 138. It quit
// at once, as a second SIGTERM does, from the last saved state.
func TestSecondWarningDoesNotQuit(t *testing.T) {
	out := t.TempDir()
	cmd, _, sc, stderr := startReadingStderr(t, "train", "--model", "cnn", "--data-dir", small, "--no-verify", "--quiet", "--out", out,
		"--epochs", "2", "--batch-size", "800", "--train-limit", "2000")
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.Contains(line, "Epoch 2/2"):
			cmd.Process.Signal(syscall.SIGUSR1)
		case strings.Contains(line, "stopping at the next step boundary"):
			cmd.Process.Signal(syscall.SIGUSR1) // once: the stop's line comes once
		}
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 138 || !strings.Contains(stderr.String(), "continue with mnistgpu train --resume") {
		t.Fatalf("exit %d, want 138 after saying how to continue:\n%s", code, stderr.String())
	}
	if ck, err := engine.LoadTrainCheckpoint(filepath.Join(out, run.StateFile)); err != nil || ck.NextEpoch != 1 || ck.EpochStep != 1 {
		t.Errorf("state after the stop: %+v, %v; want epoch 2's first step's", ck, err)
	}
}
