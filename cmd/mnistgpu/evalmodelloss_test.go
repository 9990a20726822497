package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// evaluate --model of a model without a softmax output (one trained with
// binary cross-entropy) evaluates it with that loss, as it does the model a
// weights file stores: the flag's model was checked against train's
// default loss and refused ("compile: categorical_crossentropy needs a
// softmax output", exit 2), for a file storing no model (another tool's)
// and for one storing this very model alike. Zero weights give every output
// sigmoid(0) = ½, a binary cross-entropy of ln 2.
func TestEvaluateGivenAModelWithoutSoftmax(t *testing.T) {
	dir := t.TempDir()
	model := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"sigmoid"}]}`
	file := filepath.Join(dir, "sigmoid.json")
	os.WriteFile(file, []byte(model), 0o644)
	stored := filepath.Join(dir, "stored.safetensors")
	writeModelWeights(t, stored, model, 784, 10)
	bare := filepath.Join(dir, "bare.safetensors") // another tool's: no model, no loss
	var b bytes.Buffer
	if err := engine.EncodeSafetensors(&b, []engine.NamedTensor{
		{Name: "dense_1.kernel", Shape: []int{784, 10}, Data: make([]float32, 7840)},
		{Name: "dense_1.bias", Shape: []int{10}, Data: make([]float32, 10)},
	}, map[string]string{"format": "mnistgpu-keras-layout"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bare, b.Bytes(), 0o644)
	want := fmt.Sprintf("test loss %.4f  test accuracy ", math.Ln2)
	for _, weights := range []string{stored, bare} {
		stdout, stderr, code := output(t, "evaluate", "--weights", weights, "--model", file, "--data-dir", small, "--no-verify")
		if code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("evaluate --weights %s --model %s: exit %d, want %q\n%s%s", weights, file, code, want, stdout, stderr)
		}
	}
}
