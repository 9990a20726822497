package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWeightsFileAsModelFileIsNamed: a weights file given where a model
// file goes (summary --model final.safetensors) was refused as "json:
// cannot unmarshal number into Go value of type engine.ModelSpec"; it is
// named for what it is.
func TestWeightsFileAsModelFileIsNamed(t *testing.T) {
	var b bytes.Buffer
	ts := []NamedTensor{{Name: "dense_1.kernel", Shape: []int{2, 2}, Data: make([]float32, 4)}}
	if err := EncodeSafetensors(&b, ts, map[string]string{"model": "{}"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "final.safetensors")
	os.WriteFile(path, b.Bytes(), 0o644)
	_, err := LoadModelSpec(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": a safetensors file (weights or a training state), not a JSON model file") {
		t.Errorf("err = %v", err)
	}
}
