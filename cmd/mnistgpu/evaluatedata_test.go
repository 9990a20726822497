package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evaluate reads MNIST's test set alone: a folder of its two t10k files is
// enough (all four were required, the training files read and verified for
// nothing), and a missing one is named.
func TestEvaluateNeedsTheTestFilesAlone(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	writeModelWeights(t, weights, softmaxRegression, 784, 10)
	data := filepath.Join(dir, "t10k")
	os.Mkdir(data, 0o755)
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		if err := os.WriteFile(filepath.Join(data, name), mustRead(t, filepath.Join(small, name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"evaluate", "--weights", weights, "--data-dir", data, "--no-verify", "--format", "json"}
	if stdout, stderr, code := output(t, args...); code != 0 || !strings.Contains(stdout, `"images":500`) || !strings.Contains(stderr, "MNIST: 500 test images") {
		t.Errorf("evaluate on the two test files: exit %d, %q, %q; want the 500 test images evaluated", code, stdout, stderr)
	}
	os.Remove(filepath.Join(data, "t10k-labels-idx1-ubyte.gz"))
	if stdout, stderr, code := output(t, args...); code == 0 || stdout != "" || !strings.Contains(stderr, "t10k-labels-idx1-ubyte.gz: missing") {
		t.Errorf("evaluate without the test labels: exit %d, %q, %q; want an error naming the file", code, stdout, stderr)
	}
}

// A --weights that cannot be read (a folder, no file) is a bad setting
// (exit 2) found before the test set is loaded: evaluate loaded the data,
// then exited 1. An empty image argument to predict is named as one (it
// said "stat : no such file").
func TestWeightsAreReadBeforeTheData(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	writeModelWeights(t, weights, `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`, 784, 10)
	nowhere := filepath.Join(dir, "nowhere") // no data there: loading it would fail with exit 1
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"evaluate", "--weights", dir, "--data-dir", nowhere}, "--weights: " + dir + ": a folder, not a regular weights file"},
		{[]string{"evaluate", "--weights", filepath.Join(dir, "none.safetensors"), "--data-dir", nowhere}, "none.safetensors: no such file"},
		{[]string{"predict", "--weights", weights, ""}, `image file 1 of 1 given is "" (an unset variable?)`},
		{[]string{"predict", "--weights", dir, filepath.Join(small, "t10k-images-idx3-ubyte.gz")}, "a folder, not a regular weights file"},
		// A --model the file contradicts is a bad flag value, refused
		// before the data as the README says of every one: evaluate loaded
		// (and verified) the test set first.
		{[]string{"evaluate", "--weights", weights, "--model", "cnn", "--data-dir", nowhere}, "--model cnn contradicts the model stored in " + weights},
		{[]string{"predict", "--weights", weights, "--model", "mlp", filepath.Join(dir, "missing.png")}, "--model mlp contradicts the model stored in " + weights},
	} {
		_, stderr, code := output(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "MNIST") {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q before any data", c.args, code, stderr, c.want)
		}
	}
}
