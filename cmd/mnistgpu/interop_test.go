package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pythonWithNumpy is a python3 that imports numpy: the one on PATH, else
// the system's (where Debian's python3-numpy installs, when PATH leads to
// another, such as pyenv's); "" and why when there is none.
func pythonWithNumpy() (string, string) {
	var tried []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			tried = append(tried, name+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", "import numpy").CombinedOutput()
		if err == nil {
			return path, ""
		}
		tried = append(tried, path+": "+strings.TrimSpace(lastLine(string(out))))
	}
	return "", strings.Join(tried, "; ")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

// docSnippet is the code between <!-- name --> and <!-- /name --> in a doc,
// without its fence lines.
func docSnippet(t *testing.T, doc, name string) string {
	t.Helper()
	text := string(mustRead(t, doc))
	_, rest, ok := strings.Cut(text, "<!-- "+name+" -->\n")
	body, _, ok2 := strings.Cut(rest, "<!-- /"+name+" -->")
	if !ok || !ok2 {
		t.Fatalf("%s has no <!-- %s --> block", doc, name)
	}
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if !strings.HasPrefix(l, "```") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// geometryModel exercises what the report's CNN does not: strides, "same"
// padding that TensorFlow makes uneven (an even kernel, a stride over an
// even size), a strided pool with "same" padding, LeakyReLU and Activation
// layers and activation="leaky_relu" (tf.nn.leaky_relu's slope 0.2).
const geometryModel = `{"input_shape": [28, 28, 1], "layers": [
  {"type": "Conv2D", "filters": 16, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "activation": "relu"},
  {"type": "Conv2D", "filters": 16, "kernel_size": [4, 4], "padding": "same"},
  {"type": "LeakyReLU", "alpha": 0.1},
  {"type": "MaxPooling2D", "pool_size": [3, 3], "strides": [2, 2], "padding": "same"},
  {"type": "Conv2D", "filters": 16, "kernel_size": [2, 2], "strides": [2, 1]},
  {"type": "Activation", "activation": "tanh"},
  {"type": "Flatten"},
  {"type": "Dense", "units": 32, "activation": "leaky_relu"},
  {"type": "Dropout", "rate": 0.1},
  {"type": "Dense", "units": 10, "activation": "softmax"}]}`

// TestPythonSnippetMatchesEvaluate runs docs/interop.md's Python (numpy
// only) on the report's CNN and on geometryModel, trained here: the test
// accuracy it computes, with the weights mapped onto PyTorch's layout, is
// evaluate's to 4 decimals (a wrong transpose of the convolutions or of the
// Dense after Flatten gives 10-30% on these models instead of their 80-90%;
// the snippet ignored strides and "same" pools, had no Activation or
// LeakyReLU layer, and read only gzip-compressed IDX files).
func TestPythonSnippetMatchesEvaluate(t *testing.T) {
	python, why := pythonWithNumpy()
	if python == "" {
		t.Skipf("no python3 with numpy (%s); Debian: apt-get install python3-numpy", why)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "load.py")
	os.WriteFile(script, []byte(docSnippet(t, "../../docs/interop.md", "interop.py")), 0o644)
	geometry := filepath.Join(dir, "geometry.json")
	os.WriteFile(geometry, []byte(geometryModel), 0o644)
	// The geometry model's test set is read uncompressed, as mnistgpu
	// reads a folder of .gz or plain IDX files (the snippet read .gz only).
	plain := t.TempDir()
	for _, name := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		zr, err := gzip.NewReader(bytes.NewReader(mustRead(t, filepath.Join(small, name+".gz"))))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil || os.WriteFile(filepath.Join(plain, name), raw, 0o644) != nil {
			t.Fatal(name, err)
		}
	}
	for _, model := range []string{"cnn", geometry} {
		testSet := small
		if model == geometry {
			testSet = plain
		}
		out := filepath.Join(dir, filepath.Base(model)+".run")
		if err := cliRun("train", "--model", model, "--data-dir", small, "--no-verify", "--quiet", "--out", out,
			"--epochs", "2", "--batch-size", "32"); err != nil {
			t.Fatal(err)
		}
		weights := filepath.Join(out, "final.safetensors")
		evaluated, stderr, code := output(t, "evaluate", "--weights", weights, "--data-dir", small, "--no-verify")
		if code != 0 {
			t.Fatalf("evaluate: exit %d\n%s", code, stderr)
		}
		got, err := exec.Command(python, script, weights, testSet).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s on %s: %v\n%s", python, script, model, err, got)
		}
		acc := regexp.MustCompile(`test accuracy (\d\.\d{4})`)
		want, have := acc.FindStringSubmatch(evaluated), acc.FindStringSubmatch(string(got))
		if want == nil || have == nil || want[1] != have[1] {
			t.Fatalf("%s: python: %q; evaluate: %q", model, got, evaluated)
		}
		if want[1] < "0.8" {
			t.Fatalf("%s reached only %s: too weak to tell a wrong transpose", model, want[1])
		}
		t.Logf("%s: python (numpy, PyTorch layout) and evaluate: test accuracy %s", model, want[1])
	}
}
