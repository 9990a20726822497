package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// evaluate and predict --model cnn over weights that store no model and
// hold an MLP's tensors refuse --model's value, exit 2, before the data is
// read, as train --init-weights refuses the same file: they failed with
// exit 1, "mnistgpu: W: no tensor \"conv2d_1.kernel\"", naming no flag.
func TestModelTheWeightsDoNotHoldIsRefused(t *testing.T) {
	dir := t.TempDir()
	bare := filepath.Join(dir, "bare.safetensors")
	var b bytes.Buffer
	if err := engine.EncodeSafetensors(&b, []engine.NamedTensor{
		{Name: "dense_1.kernel", Shape: []int{784, 10}, Data: make([]float32, 7840)},
		{Name: "dense_1.bias", Shape: []int{10}, Data: make([]float32, 10)},
	}, map[string]string{"format": "mnistgpu-keras-layout"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bare, b.Bytes(), 0o644)
	want := "--model cnn: " + bare + ` stores no model, and does not hold this one's parameters: no tensor "conv2d_1.kernel"`
	for _, args := range [][]string{
		{"evaluate", "--weights", bare, "--model", "cnn", "--data-dir", filepath.Join(dir, "nowhere")},
		{"predict", "--weights", bare, "--model", "cnn", filepath.Join(dir, "nowhere.png")},
	} {
		err := cliRun(args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (exit %d), want exit 2 saying %q", args[0], err, exitCode(err), want)
		}
	}
}
