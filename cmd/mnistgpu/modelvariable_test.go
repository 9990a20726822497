package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// MNISTGPU_MODEL is --model's default, train's as evaluate's and predict's:
// the model a weights file stores wins over it, as a run's record does, so
// exported for training it refuses no evaluation of another model's weights
// (it was taken as a typed --model contradicting them: exit 2); for a file
// that stores no model, it names the architecture as --model would.
func TestModelVariableYieldsToTheStoredModel(t *testing.T) {
	dir := t.TempDir()
	stored := filepath.Join(dir, "stored.safetensors")
	writeModelWeights(t, stored, softmaxRegression, 784, 10)
	bare := filepath.Join(dir, "bare.safetensors") // another tool's: no model stored
	var b bytes.Buffer
	if err := engine.EncodeSafetensors(&b, []engine.NamedTensor{
		{Name: "dense_1.kernel", Shape: []int{784, 10}, Data: make([]float32, 7840)},
		{Name: "dense_1.bias", Shape: []int{10}, Data: make([]float32, 10)},
	}, map[string]string{"format": "mnistgpu-keras-layout"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bare, b.Bytes(), 0o644)
	modelFile := filepath.Join(dir, "dense.json")
	os.WriteFile(modelFile, []byte(softmaxRegression), 0o644)
	images := filepath.Join(small, "t10k-images-idx3-ubyte.gz")
	commands := func(weights string, extra ...string) [][]string {
		return [][]string{
			append([]string{"evaluate", "--weights", weights, "--data-dir", small, "--no-verify"}, extra...),
			append([]string{"predict", "--weights", weights, images, "--limit", "1"}, extra...),
		}
	}
	for _, model := range []string{"cnn", filepath.Join(dir, "missing.json")} {
		t.Setenv("MNISTGPU_MODEL", model)
		for _, args := range commands(stored) {
			if _, stderr, code := output(t, args...); code != 0 {
				t.Errorf("MNISTGPU_MODEL=%s, %s of a file storing its model: exit %d, %q; want the stored model used", model, args[0], code, stderr)
			}
		}
		for _, args := range commands(stored, "--model", "cnn") {
			if _, stderr, code := output(t, args...); code != 2 || !strings.Contains(stderr, "--model cnn contradicts") {
				t.Errorf("MNISTGPU_MODEL=%s, %s --model cnn of another model's file: exit %d, %q; want the typed one refused", model, args[0], code, stderr)
			}
		}
	}
	t.Setenv("MNISTGPU_MODEL", modelFile)
	for _, args := range commands(bare) {
		if _, stderr, code := output(t, args...); code != 0 {
			t.Errorf("MNISTGPU_MODEL naming the model of a file that stores none, %s: exit %d, %q; want it used", args[0], code, stderr)
		}
	}
	t.Setenv("MNISTGPU_MODEL", filepath.Join(dir, "missing.json"))
	for _, args := range commands(bare) {
		if _, stderr, code := output(t, args...); code != 2 || !strings.Contains(stderr, "MNISTGPU_MODEL=") {
			t.Errorf("MNISTGPU_MODEL naming no model, %s of a file that stores none: exit %d, %q; want exit 2 naming the variable", args[0], code, stderr)
		}
	}
	// Empty, the variable is not set (it panicked), nor is --model by
	// --activation alone (it took the cnn preset).
	t.Setenv("MNISTGPU_MODEL", "")
	for _, extra := range [][]string{nil, {"--activation", "relu"}} {
		for _, args := range commands(bare, extra...) {
			if _, stderr, code := output(t, args...); code != 2 || !strings.Contains(stderr, "stores no model") {
				t.Errorf("%v of a file that stores no model, no --model: exit %d, %q; want exit 2 asking for --model", args, code, stderr)
			}
		}
	}
}
