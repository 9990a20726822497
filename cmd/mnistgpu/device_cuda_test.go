//go:build cuda

package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// The report's CNN trained by the same command on cpu and on cuda (a GPU,
// or the CPU stand-in under make test-cuda-sim): the same seed gives the same
// run, so the final weights agree to float32 rounding.
func TestTrainOnCUDAMatchesCPU(t *testing.T) {
	var cudaOut string
	train := func(device string) map[string]engine.NamedTensor {
		out := t.TempDir()
		if device == "cuda" {
			cudaOut = out
		}
		final := filepath.Join(out, "final.safetensors")
		err := cliRun("train", "--device", device, "--model", "cnn", "--epochs", "2", "--train-limit", "320",
			"--lr", "0.001", "--data-dir", small, "--no-verify", "--quiet", "--out", out, "--seed", "5",
			"--save-weights", final)
		if err != nil {
			t.Fatalf("train --device %s: %v", device, err)
		}
		w, _, err := engine.ReadWeightsFile(final)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	gpu, cpu := train("cuda"), train("cpu")
	be, err := engine.NewBackend("cuda", engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in's wall time is no figure of a GPU: none is recorded.
	if h, err := os.ReadFile(filepath.Join(cudaOut, "history.json")); be.Traits().Simulated && (err != nil || !strings.Contains(string(h), `"seconds": [
    0,
    0
  ]`) && !strings.Contains(string(h), `"seconds":[0,0]`)) {
		t.Errorf("a cuda-sim run's history has timings (or none): %s %v", h, err)
	}
	if len(gpu) != 8 || len(gpu) != len(cpu) {
		t.Fatalf("%d tensors on cuda, %d on cpu", len(gpu), len(cpu))
	}
	for name, c := range cpu {
		g := gpu[name]
		var worst, scale float64
		for i := range c.Data {
			worst = math.Max(worst, math.Abs(float64(g.Data[i]-c.Data[i])))
			scale = math.Max(scale, math.Abs(float64(c.Data[i])))
		}
		// 10 Adam steps from identical weights; summation orders differ.
		if worst > 1e-4*max(scale, 1) {
			t.Errorf("%s: max |cuda - cpu| = %.3g (max |w| %.3g)", name, worst, scale)
		}
	}
}

func TestDeviceAutoPicksCUDA(t *testing.T) {
	var log bytes.Buffer
	cfg := run.Default()
	cfg.Device.Name = "auto"
	b, err := run.OpenBackend(cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "cuda" || !strings.Contains(log.String(), "device auto: using cuda: ") {
		t.Errorf("auto chose %s; log: %s", b.Name(), log.String())
	}
}

// TestTF32IsPerRun: TF32 is an option of each backend, never left behind in
// the process: in one study, a tf32=false cell after a tf32=true one runs in
// parity mode, and so does --tf32=false with MNISTGPU_TF32=1 set.
func TestTF32IsPerRun(t *testing.T) {
	t.Setenv("MNISTGPU_TF32", "1")
	dir := t.TempDir()
	spec := tf32Study(t, dir)
	if err := cliRun("study", "run", spec, "--out", filepath.Join(dir, "study"), "--device", "cuda", "--data-dir", small, "--no-verify"); err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]string{"tf32=true,seed=1": "TF32 tensor-op maths", "tf32=false,seed=1": "parity mode"} {
		if r, err := run.ReadResult(filepath.Join(dir, "study", "cells", cell)); err != nil {
			t.Error(err)
		} else if !strings.Contains(r.Device, want) {
			t.Errorf("cell %s: device %q, want %q", cell, r.Device, want)
		}
	}
	out := filepath.Join(dir, "flag")
	if err := cliRun("train", "--device", "cuda", "--tf32=false", "--model", "mlp", "--epochs", "1", "--train-limit", "256",
		"--data-dir", small, "--no-verify", "--quiet", "--out", out); err != nil {
		t.Fatal(err)
	}
	if r, err := run.ReadResult(out); err != nil {
		t.Error(err)
	} else if !strings.Contains(r.Device, "parity mode") {
		t.Errorf("--tf32=false with MNISTGPU_TF32=1: device %q", r.Device)
	}
}

// tf32Study writes a study file in dir of two small cells, tf32 true and
// false, and returns its path.
func tf32Study(t *testing.T, dir string) string {
	t.Helper()
	spec := filepath.Join(dir, "tf32.json")
	if err := os.WriteFile(spec, []byte(`{"name":"tf32","axes":[{"name":"tf32","values":["true","false"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"256"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

// bench on the stand-in prints the device work per step and no timings.
func TestBenchCountsOnSimulatedDevice(t *testing.T) {
	stdout, stderr, code := output(t, "bench", "--device", "cuda", "--model", "cnn", "--steps", "3", "--runs", "2", "--warmup", "2", "--format", "json")
	var r benchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	// The report's CNN step: one graph launch, no host sync, and at most
	// 20 kernels: 15 beside the 5 convolution passes, which the fixed rule
	// runs on the own implicit-GEMM path, one kernel each (the same choice
	// in every process).
	if r.MsPerStep != 0 || r.MsPerStepRuns != nil || !r.Graphs || r.KernelsPerStep == nil || *r.KernelsPerStep > 15+5 ||
		*r.GraphLaunchesPerStep != 1 || *r.HostSyncsPerStep != 0 {
		t.Errorf("bench on the stand-in: %s", stdout)
	}
	// No thread count: the cuda backend has no worker threads (it printed
	// "0 threads").
	if strings.Contains(stdout, `"threads"`) {
		t.Errorf("bench on cuda gives a thread count: %s", stdout)
	}
	text, stderr, code := output(t, "bench", "--device", "cuda", "--model", "mlp", "--steps", "1", "--runs", "1", "--warmup", "1")
	// The library calls are among the kernels, not beside them.
	if code != 0 || !strings.Contains(text, "steps replayed from a CUDA graph)\n") || strings.Contains(text, "threads") ||
		!strings.Contains(text, " of them cuBLAS/cuDNN calls), ") {
		t.Errorf("bench on cuda as text, exit %d: %s %s", code, text, stderr)
	}
}

// TestOwnTF32GemmNeedsTF32: MNISTGPU_OWN_TF32_GEMM=1 asks for TF32 mode's
// GEMMs; a command in parity mode refuses it before anything runs (exit 2,
// naming the variable and --tf32; auto does not train on the CPU instead)
// rather than dropping it, and so does a study with a parity cell. With
// --tf32 it runs.
func TestOwnTF32GemmNeedsTF32(t *testing.T) {
	t.Setenv("MNISTGPU_OWN_TF32_GEMM", "1")
	dir := t.TempDir()
	spec := tf32Study(t, dir)
	data := []string{"--data-dir", small, "--no-verify"}
	for _, args := range [][]string{
		append([]string{"train", "--device", "cuda", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(dir, "run")}, data...),
		append([]string{"train", "--device", "auto", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(dir, "run")}, data...),
		{"bench", "--device", "cuda", "--model", "mlp", "--steps", "1", "--runs", "1", "--warmup", "1"},
		append([]string{"study", "run", spec, "--device", "cuda", "--out", filepath.Join(dir, "study")}, data...),
	} {
		_, stderr, code := output(t, args...)
		if code != 2 || !strings.Contains(stderr, "MNISTGPU_OWN_TF32_GEMM=1") || !strings.Contains(stderr, "--tf32") {
			t.Errorf("%v: exit %d, %s; want exit 2 naming the variable and --tf32", args, code, stderr)
		}
	}
	for _, made := range []string{"run", "study"} {
		if _, err := os.Stat(filepath.Join(dir, made)); err == nil {
			t.Errorf("%s written by a refused command", made)
		}
	}
	if _, stderr, code := output(t, "bench", "--device", "cuda", "--tf32", "--model", "mlp", "--steps", "1", "--runs", "1", "--warmup", "1"); code != 0 {
		t.Errorf("bench --tf32 with MNISTGPU_OWN_TF32_GEMM=1: exit %d, %s", code, stderr)
	}
}

// TestDeviceIndexBeyondTheGPUs: a GPU index the driver does not see is a
// bad setting, exit 2, one line naming the index and the GPUs there are,
// for train's --device and study run's --devices; it was exit 1.
func TestDeviceIndexBeyondTheGPUs(t *testing.T) {
	study := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(study, []byte(`{"name":"s","seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"}}`), 0o644)
	for _, args := range [][]string{
		append([]string{"train", "--device", "cuda:4611686018427387904", "--model", "mlp", "--epochs", "1", "--out", t.TempDir()}, smallData...),
		{"study", "run", "--device", "cuda", "--devices", "4611686018427387904", "--dry-run", "--out", t.TempDir(), "--data-dir", small, "--no-verify", study},
	} {
		err := cliRun(args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "cuda: device index 4611686018427387904, the driver sees ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v (exit %d), want exit 2 naming the index", args[:3], err, exitCode(err))
		}
	}
}
