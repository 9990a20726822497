package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestHostileSizesAreRefused: what used to crash the runtime (out of
// memory, makeslice, index out of range) or print an overflowed count is
// refused before anything is allocated, with one line naming the setting or
// file and the limit, exit 2; a weights file recording a model it does not
// hold is refused when it is read.
func TestHostileSizesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dense2e18 := write("dense2e18.json", `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":2000000000000000000,"activation":"softmax"}]}`)
	flatten := write("flatten.json", `{"input_shape":[28,28,1],"layers":[`+strings.Repeat(`{"type":"Flatten"},`, 50000)+`{"type":"Dense","units":10,"activation":"softmax"}]}`)
	// Wide layers: at a batch of MNIST's 60,000 images (what 10⁹ holds)
	// their activations need about 900 GB.
	wide := write("wide.json", `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":1000000,"activation":"relu"},{"type":"Dense","units":10,"activation":"softmax"}]}`)
	twice := write("twice.json", `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"}],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`)
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"summary", "--model", dense2e18}, "layer 2 (Dense): size 2000000000000000000 is more than 2147483647"},
		{[]string{"train", "--model", dense2e18, "--out", out}, "layer 2 (Dense): size 2000000000000000000 is more than 2147483647"},
		{[]string{"train", "--model", flatten, "--out", out}, "model has 50001 layers; at most 1000 are accepted"},
		{[]string{"train", "--model", twice, "--out", out}, `invalid model file: key "layers" appears twice in the top-level object`},
		{[]string{"train", "--model", wide, "--batch-size", "1000000000", "--out", out}, "--batch-size 1000000000 needs about "},
		{[]string{"train", "--rotation", "1e308", "--out", out}, "augmentation rotation_range 1e+308 is more than 360 degrees"},
		{[]string{"bench", "--batch-size", "1000000000", "--runs", "1"}, "--batch-size 1000000000 needs about "},
	} {
		args := c.args
		if args[0] == "train" {
			args = append(args, smallData...)
		}
		err := cliRun(args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v, want exit 2 and one line with %q", c.args[:3], err, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run created its output folder")
	}

	// 256 bytes whose metadata records Dense(10^9): refused, naming the file.
	spec, _ := json.Marshal(engine.ModelSpec{InputShape: []int{28, 28, 1}, Layers: []engine.LayerSpec{{Type: "Flatten"}, {Type: "Dense", Units: 1000000000, Activation: "softmax"}}})
	meta, _ := json.Marshal(map[string]string{"format": "mnistgpu-keras-layout", "model": string(spec)})
	h := `{"__metadata__":` + string(meta) + `,"dense_1.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	raw := append([]byte{byte(len(h)), byte(len(h) >> 8), 0, 0, 0, 0, 0, 0}, h...)
	weights := write("tiny.safetensors", string(append(raw, 0, 0, 0, 0)))
	img := write("img.idx", string([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28})+strings.Repeat("\x00", 784))
	err := cliRun("predict", "--weights", weights, img)
	if err == nil || !strings.Contains(err.Error(), weights) || !strings.Contains(err.Error(), "more than the 2147483647 values a tensor may hold") {
		t.Errorf("predict with a %d-byte file recording Dense(10^9): %v", len(raw)+4, err)
	}

	// evaluate weighs the model the weights file holds (an MLP), not
	// --model's default (the CNN, 66 GiB at batch 100000).
	mlp := filepath.Join(dir, "mlp.safetensors")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "100", "--out", filepath.Join(dir, "mlp"), "--save-weights", mlp}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if err := cliRun("evaluate", "--weights", mlp, "--batch-size", "100000", "--data-dir", small, "--no-verify"); err != nil {
		t.Errorf("evaluate an MLP at batch 100000: %v", err)
	}
	// A batch beyond the test set holds all of it, as train's does: batch
	// 10^9 was refused as needing 1.5 TiB to evaluate 500 images, which
	// one batch of 500 holds (the same numbers).
	all, stderr, code := output(t, "evaluate", "--weights", mlp, "--batch-size", "1000000000", "--data-dir", small, "--no-verify", "--format", "json")
	one, _, _ := output(t, "evaluate", "--weights", mlp, "--batch-size", "500", "--data-dir", small, "--no-verify", "--format", "json")
	if code != 0 || all == "" || all != one {
		t.Errorf("evaluate at batch 10^9: exit %d, %q (at batch 500: %q) %s", code, all, one, stderr)
	}
}
