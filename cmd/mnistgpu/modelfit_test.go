package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// softmaxRegression is the smallest model of MNIST (Flatten, Dense(10,
// softmax)), stored in the weights files of writeModelWeights(t, path,
// softmaxRegression, 784, 10).
const softmaxRegression = `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`

// writeModelWeights writes a weights file (zeros) of the model spec
// modelJSON holding one Dense layer of in×out, as another tool might.
func writeModelWeights(t *testing.T, path, modelJSON string, in, out int) {
	t.Helper()
	var b bytes.Buffer
	ts := []engine.NamedTensor{
		{Name: "dense_1.kernel", Shape: []int{in, out}, Data: make([]float32, in*out)},
		{Name: "dense_1.bias", Shape: []int{out}, Data: make([]float32, out)},
	}
	if err := engine.EncodeSafetensors(&b, ts, map[string]string{"format": "mnistgpu-keras-layout", "model": modelJSON}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A model that cannot take MNIST's 28×28×1 images or give its 10 classes
// is refused by name before anything runs (exit 2), by train and bench. train found out once the
// data was loaded and its folder written (exit 1), a model ending without a
// softmax gave a bare "compile: ..." (exit 1), and evaluate and predict
// panicked, or printed numbers of a model fed the wrong pixels.
func TestModelsMustFitMNIST(t *testing.T) {
	dir := t.TempDir()
	dense := func(input string, units int, act string) string {
		return fmt.Sprintf(`{"input_shape":%s,"layers":[{"type":"Flatten"},{"type":"Dense","units":%d,"activation":"%s"}]}`, input, units, act)
	}
	for i, c := range []struct{ model, says string }{
		{dense("[28,28,1]", 5, "softmax"), "gives 5 outputs"},
		{dense("[14,14,1]", 10, "softmax"), "input of shape (None, 14, 14, 1)"},
		{dense("[28,28]", 10, "softmax"), "input of shape (None, 28, 28)"},
		{dense("[28,28,1]", 10, "relu"), "needs a softmax output"},
	} {
		file := filepath.Join(dir, fmt.Sprintf("model%d.json", i))
		os.WriteFile(file, []byte(c.model), 0o644)
		out := filepath.Join(dir, fmt.Sprintf("run%d", i))
		_, stderr, code := output(t, "train", "--model", file, "--epochs", "1", "--out", out, "--data-dir", filepath.Join(dir, "nowhere"))
		if code != 2 || !strings.Contains(stderr, "--model "+file) || !strings.Contains(stderr, c.says) {
			t.Errorf("train --model %s: exit %d, want 2 naming the file and saying %q\n%s", c.model, code, c.says, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("train --model %s wrote %s", c.model, out)
		}
		// bench trains on digits too: it panicked at its first step
		// ("data of shape … does not fit the model's"), or failed its
		// compile (exit 1).
		_, stderr, code = output(t, "bench", "--model", file, "--steps", "1", "--runs", "1", "--warmup", "0")
		if code != 2 || !strings.Contains(stderr, "--model "+file) || !strings.Contains(stderr, c.says) {
			t.Errorf("bench --model %s: exit %d, want 2 naming the file and saying %q\n%s", c.model, code, c.says, stderr)
		}
	}
	images := filepath.Join(small, "t10k-images-idx3-ubyte.gz")
	for i, c := range []struct {
		model   string
		in, out int
		says    string
	}{
		{dense("[14,14,1]", 10, "softmax"), 196, 10, "input of shape (None, 14, 14, 1)"},
		{dense("[28,28,1]", 5, "softmax"), 784, 5, "gives 5 outputs"},
		{dense("[28,28,1]", 12, "softmax"), 784, 12, "gives 12 outputs"},
	} {
		weights := filepath.Join(dir, fmt.Sprintf("w%d.safetensors", i))
		writeModelWeights(t, weights, c.model, c.in, c.out)
		for _, args := range [][]string{
			{"evaluate", "--weights", weights, "--data-dir", small, "--no-verify"},
			{"predict", "--weights", weights, "--limit", "2", images},
		} {
			stdout, stderr, code := output(t, args...)
			if code != 2 || !strings.Contains(stderr, "--weights "+weights) || !strings.Contains(stderr, c.says) || stdout != "" {
				t.Errorf("%s of %s: exit %d, want 2 naming the file and saying %q\n%s%s", args[0], c.model, code, c.says, stdout, stderr)
			}
		}
	}
}

// A model trained with --loss binary_crossentropy is evaluated with it:
// without a softmax, evaluate and predict refused it ("categorical_crossentropy
// needs a softmax output"); with one (the mlp preset), evaluate printed a
// categorical cross-entropy as its test loss (1.0047 where the run printed
// 0.1617). The weights file records the loss.
func TestEvaluateAModelTrainedWithBinaryCrossEntropy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sigmoid.json")
	os.WriteFile(file, []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"sigmoid"}]}`), 0o644)
	for i, model := range []string{file, "mlp"} {
		out := filepath.Join(dir, fmt.Sprintf("run%d", i))
		if err := cliRun(append([]string{"train", "--model", model, "--loss", "binary_crossentropy", "--epochs", "1",
			"--train-limit", "300", "--out", out}, smallData...)...); err != nil {
			t.Fatal(err)
		}
		final := filepath.Join(out, "final.safetensors")
		r := readResult(t, out)
		stdout, stderr, code := output(t, "evaluate", "--weights", final, "--data-dir", small, "--no-verify")
		want := fmt.Sprintf("test loss %.4f  test accuracy %.4f", r.FinalTestLoss, r.FinalTestAcc)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("evaluate of %s: exit %d, want %q\n%s%s", model, code, want, stdout, stderr)
		}
		stdout, stderr, code = output(t, "predict", "--weights", final, "--limit", "2", filepath.Join(small, "t10k-images-idx3-ubyte.gz"))
		if code != 0 || strings.Count(stdout, "\n") != 2 {
			t.Errorf("predict of %s: exit %d\n%s%s", model, code, stdout, stderr)
		}
	}
}
