//go:build unix

package main

import (
	"bytes"
	"os"
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
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	ref := filepath.Join(dir, "ref")
	if err := cliRun(stopArgs(model, ref)...); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "warned")
	args := stopArgs(model, out)
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
