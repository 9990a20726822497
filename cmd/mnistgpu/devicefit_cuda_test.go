//go:build cuda

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// --threads is the CPU's setting: with --device cuda it is refused by name
// as a setting (exit 2, given as a flag or by MNISTGPU_THREADS), as
// every command that opens a device refuses it.
func TestThreadsOnCUDAIsRefused(t *testing.T) {
	weights := filepath.Join(t.TempDir(), "w")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--out", t.TempDir(), "--save-weights", weights}, smallData...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{
		append([]string{"train", "--model", "mlp", "--device", "cuda", "--threads", "3", "--out", filepath.Join(t.TempDir(), "o")}, smallData...),
		{"evaluate", "--weights", weights, "--device", "cuda", "--threads", "2", "--data-dir", small, "--no-verify"},
	} {
		_, stderr, code := output(t, args...)
		if code != 2 || !strings.Contains(stderr, "--threads") || !strings.Contains(stderr, "CPU setting") {
			t.Errorf("%v: exit %d, %q; want exit 2 naming --threads", args[:1], code, stderr)
		}
	}
	t.Setenv("MNISTGPU_THREADS", "3")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "cuda", "--out", filepath.Join(t.TempDir(), "o")}, smallData...)...); code != 2 || !strings.Contains(stderr, "MNISTGPU_THREADS") {
		t.Errorf("MNISTGPU_THREADS=3 with --device cuda: exit %d, %q; want exit 2 naming it", code, stderr)
	}
}

// A run recorded on one device continues, and runs again from its
// config.json, on the other: the recorded --threads (the CPU's) and --tf32
// (cuda's) go with the device they were for.
func TestRunMovesBetweenDevices(t *testing.T) {
	short := append([]string{"--model", "mlp", "--epochs", "1", "--train-limit", "200"}, smallData...)
	for _, c := range []struct{ from, setting, to string }{
		{"cpu", "--threads=2", "cuda"},
		{"cuda", "--tf32", "cpu"},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		if _, stderr, code := output(t, append([]string{"train", "--device", c.from, c.setting, "--out", dir}, short...)...); code != 0 {
			t.Fatalf("%s %s: exit %d: %s", c.from, c.setting, code, stderr)
		}
		if _, stderr, code := output(t, "train", "--resume", dir, "--epochs", "2", "--device", c.to, "--quiet"); code != 0 {
			t.Errorf("%s %s, resumed on --device %s: exit %d: %s", c.from, c.setting, c.to, code, stderr)
		}
		again := filepath.Join(t.TempDir(), "again")
		if _, stderr, code := output(t, "train", "--config", filepath.Join(dir, run.ConfigFile), "--out", again, "--device", c.to, "--quiet"); code != 0 {
			t.Errorf("%s %s, again with --config on --device %s: exit %d: %s", c.from, c.setting, c.to, code, stderr)
		}
	}
}
