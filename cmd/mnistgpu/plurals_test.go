package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// One of a thing is said in the singular: a resume of a 1-epoch run said
// "finished 1 of 1 epochs", bench --threads 1 "1 threads", and predict of
// one unreadable file "1 of 1 files". A resume that only finished a run
// (its epochs all trained, its result not yet written) said "Trained 1
// epoch (0 this run) in 0.0s", the time of no training: it says none.
func TestOneIsSingular(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out}, smallData...)...)
	if code != 0 || !strings.Contains(stdout, "Trained 1 epoch (1 this run) in ") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	os.Remove(filepath.Join(out, run.ResultFile))
	stdout, stderr, code = output(t, "train", "--resume", out, "--quiet")
	if code != 0 || !strings.Contains(stdout, "Trained 1 epoch (none this run) on cpu.") {
		t.Errorf("a resume that only finishes the run: exit %d: %s %s", code, stdout, stderr)
	}
	_, stderr, code = output(t, "train", "--resume", out, "--quiet")
	if code != 0 || !strings.Contains(stderr, "nothing to do: "+out+" finished its 1 epoch; pass --epochs N to extend") {
		t.Errorf("a resume of the finished run: exit %d: %s", code, stderr)
	}

	stdout, stderr, code = output(t, "bench", "--device", "cpu", "--model", "mlp", "--threads", "1", "--steps", "1", "--runs", "1", "--warmup", "0")
	if code != 0 || !strings.Contains(stdout, "eager steps), 1 thread\n") || !strings.Contains(stdout, "ms/step (one run of 1 step)") {
		t.Errorf("bench --threads 1 --runs 1 --steps 1: exit %d: %s %s", code, stdout, stderr)
	}

	notImage := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notImage, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = output(t, "predict", "--weights", filepath.Join(out, "final.safetensors"), notImage)
	if code != 1 || !strings.Contains(stderr, "1 of 1 file could not be read: ") {
		t.Errorf("predict of one unreadable file: exit %d: %s", code, stderr)
	}
}
