//go:build cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// --threads is the CPU's setting: typed with --device cuda it is refused by
// name as a setting (exit 2), as every command that opens a device refuses
// it; MNISTGPU_THREADS, a default, does not apply there.
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
	// Exported, it is a default for the device that reads it: a cuda run
	// goes without it.
	t.Setenv("MNISTGPU_THREADS", "3")
	dir := filepath.Join(t.TempDir(), "o")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "cuda", "--epochs", "1", "--train-limit", "200", "--out", dir}, smallData...)...); code != 0 {
		t.Errorf("MNISTGPU_THREADS=3 with --device cuda: exit %d, %q; want the run, without threads", code, stderr)
	} else if b, err := os.ReadFile(filepath.Join(dir, run.ConfigFile)); err != nil || !strings.Contains(string(b), `"threads": 0`) {
		t.Errorf("a cuda run records threads: %s %v", b, err)
	}
	// Nor does it keep --device auto off the GPU (it fell back to the CPU).
	auto := filepath.Join(t.TempDir(), "auto")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "auto", "--epochs", "1", "--train-limit", "200", "--out", auto}, smallData...)...); code != 0 || !strings.Contains(stderr, "device auto: using cuda") {
		t.Errorf("MNISTGPU_THREADS=3 with --device auto: exit %d, %q; want the run on cuda", code, stderr)
	}
	// Typed, it is for the CPU auto may open: auto opens the GPU and says
	// the flag is not used (docs/study.md's job script passes it on every
	// node).
	t.Setenv("MNISTGPU_THREADS", "")
	typed := filepath.Join(t.TempDir(), "typed")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "auto", "--threads", "3", "--epochs", "1", "--train-limit", "200", "--out", typed}, smallData...)...); code != 0 ||
		!strings.Contains(stderr, "device auto: using cuda") || !strings.Contains(stderr, "--threads 3 is for the CPU") {
		t.Errorf("--device auto --threads 3: exit %d, %q; want the run on cuda, saying --threads is not used", code, stderr)
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

// A study's cells take an exported MNISTGPU_THREADS where their device
// reads it: on the file's "device": "cuda" they train without it (it
// refused the study); typed, --threads over such cells is refused before
// anything runs.
func TestStudyDeviceDefaultsFitTheCells(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"model":"mlp","device":"cuda","epochs":"1","train-limit":"200","data-dir":"`+small+`","no-verify":"true"}}`), 0o644)
	t.Setenv("MNISTGPU_THREADS", "3")
	out := filepath.Join(dir, "out")
	if _, stderr, code := output(t, "study", "run", spec, "--out", out); code != 0 {
		t.Fatalf("MNISTGPU_THREADS=3, a study of cuda cells: exit %d: %s", code, stderr)
	}
	cells, _ := filepath.Glob(filepath.Join(out, "cells", "*", run.ConfigFile))
	if len(cells) != 1 {
		t.Fatalf("cells: %v", cells)
	}
	if b, err := os.ReadFile(cells[0]); err != nil || !strings.Contains(string(b), `"threads": 0`) {
		t.Errorf("a cuda cell records threads: %s %v", b, err)
	}
	t.Setenv("MNISTGPU_THREADS", "")
	if _, stderr, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, "typed"), "--threads", "3"); code != 2 || !strings.Contains(stderr, "--threads") {
		t.Errorf("--threads over cuda cells: exit %d, %q; want exit 2 naming it", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "typed")); err == nil {
		t.Errorf("a refused study wrote its folder")
	}
}
