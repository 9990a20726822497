//go:build cuda

package study

import (
	"bytes"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
	_ "mnistgpu/gpu"
	"mnistgpu/run"
)

// TestJobsOnOneGPU: cells on their own backends (each its own stream and
// library handles) side by side on one device give the same weights, byte
// for byte, as one at a time: on a GPU in parity mode, or on the CPU
// stand-in under make test-cuda-sim.
func TestJobsOnOneGPU(t *testing.T) {
	base := cudaBase(t)
	data := smallData(t)
	f := File{Name: "gpu-jobs", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1, 2},
		Fixed: map[string]string{"model": "mlp", "epochs": "2", "train-limit": "256"}}
	dir := t.TempDir()
	for _, jobs := range []int{1, 3} {
		var log bytes.Buffer
		out := filepath.Join(dir, []string{"", "one", "", "three"}[jobs])
		if err := Run(f, out, base, Options{Shard: Shard{1, 1}, Jobs: jobs, Data: data, Log: &log}); err != nil {
			t.Fatalf("--jobs %d: %v\n%s", jobs, err, log.String())
		}
	}
	for _, c := range f.Cells() {
		key := c.Key(f.Axes)
		a := dataSection(t, filepath.Join(dir, "one", "cells", key, run.FinalFile))
		b := dataSection(t, filepath.Join(dir, "three", "cells", key, run.FinalFile))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: final weights differ between --jobs 1 and --jobs 3 on one GPU", key)
		}
	}
}

// cudaBase is run.Default on the cuda device, or a skip where neither a GPU
// nor the stand-in answers.
func cudaBase(t *testing.T) run.Config {
	t.Helper()
	if d, _ := engine.ResolveDevice("auto"); d != "cuda" {
		t.Skip("no GPU (nor the stand-in)")
	}
	base := run.Default()
	base.Device.Name = "cuda"
	return base
}
