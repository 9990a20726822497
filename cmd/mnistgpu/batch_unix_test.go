//go:build unix

package main

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestBatchBeyondTheImages: a batch size larger than the training images
// runs one batch of them all, as Keras's fit does, and holds only that: 10⁹
// on 320 images (256 after the split) was refused as needing 19.2 TiB. It
// trains the very weights a batch of 256 does, in a process whose address
// space is bounded (a batch allocated at 10⁹ would fail there).
func TestBatchBeyondTheImages(t *testing.T) {
	dir := t.TempDir()
	for _, b := range []string{"256", "1000000000"} {
		args := append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "320", "--batch-size", b,
			"--out", filepath.Join(dir, b)}, smallData...)
		if stderr, code := limitedOutput(t, args...); code != 0 {
			t.Fatalf("--batch-size %s: exit %d\n%s", b, code, stderr)
		}
	}
	if a, b := readWeights(t, filepath.Join(dir, "256", "final.safetensors")), readWeights(t, filepath.Join(dir, "1000000000", "final.safetensors")); !reflect.DeepEqual(a, b) {
		t.Error("batch 10⁹ on 256 images trained other weights than batch 256")
	}
}
