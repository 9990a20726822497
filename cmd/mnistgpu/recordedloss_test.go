package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// A weights file whose "loss" metadata (what evaluate compiles its model
// with) names no loss, or categorical cross-entropy for a model without a
// softmax output, is refused naming the file and the value, exit 2, as a
// file whose "model" does not parse is: a hand-edited "loss": "mse" was
// evaluated, in silence, with categorical cross-entropy.
func TestWeightsRecordingAnUnknownLossAreRefused(t *testing.T) {
	dir := t.TempDir()
	softmax := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`
	sigmoid := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"sigmoid"}]}`
	for i, c := range []struct{ model, loss, says string }{
		{softmax, "mse", `(metadata "loss"): unknown loss "mse"`},
		{"", "mean_squared_error", `(metadata "loss"): unknown loss "mean_squared_error"`},
		{sigmoid, "categorical_crossentropy", `(metadata "loss"): categorical_crossentropy needs a softmax output`},
	} {
		meta := map[string]string{"format": "mnistgpu-keras-layout", "loss": c.loss}
		if c.model != "" {
			meta["model"] = c.model
		}
		var b bytes.Buffer
		if err := engine.EncodeSafetensors(&b, []engine.NamedTensor{
			{Name: "dense_1.kernel", Shape: []int{784, 10}, Data: make([]float32, 7840)},
			{Name: "dense_1.bias", Shape: []int{10}, Data: make([]float32, 10)},
		}, meta); err != nil {
			t.Fatal(err)
		}
		weights := filepath.Join(dir, string(rune('a'+i))+".safetensors")
		os.WriteFile(weights, b.Bytes(), 0o644)
		model := filepath.Join(dir, "model.json")
		os.WriteFile(model, []byte(softmax), 0o644)
		_, stderr, code := output(t, "evaluate", "--weights", weights, "--model", model, "--data-dir", small, "--no-verify")
		if code != 2 || !strings.Contains(stderr, "--weights: "+weights+" "+c.says) {
			t.Errorf("evaluate over %q: exit %d, want 2 and %q\n%s", c.loss, code, c.says, stderr)
		}
	}
}
