package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bench and summary build the model they are given as train does, but
// without train's Validate: --activation tanh on a model file with a
// LeakyReLU layer, or with no hidden layer (a softmax output alone), timed
// or printed the file's own network under the flag. Both are refused as
// train refuses them, exit 2; a CNN file's relu Conv2D and an Activation
// layer apart from its Dense are replaced and pass.
func TestActivationAppliesToBenchAndSummary(t *testing.T) {
	dir := t.TempDir()
	model := func(name, layers string) string {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(`{"input_shape": [28, 28, 1], "layers": [`+layers+`]}`), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := `{"type": "Dense", "units": 10, "activation": "softmax"}`
	leaky := model("leaky", `{"type": "Flatten"}, {"type": "Dense", "units": 8}, {"type": "LeakyReLU", "alpha": 0.1}, `+out)
	softmax := model("softmax", `{"type": "Flatten"}, `+out)
	cnn := model("cnn", `{"type": "Conv2D", "filters": 2, "kernel_size": [3, 3], "activation": "relu"}, {"type": "Flatten"}, `+out)
	apart := model("apart", `{"type": "Flatten"}, {"type": "Dense", "units": 8}, {"type": "Activation", "activation": "relu"}, {"type": "Dense", "units": 10}, {"type": "Activation", "activation": "softmax"}`)
	bench := []string{"bench", "--steps", "1", "--warmup", "0", "--runs", "1", "--activation", "tanh", "--model"}
	summary := []string{"summary", "--activation", "tanh", "--model"}
	for _, c := range []struct{ model, says string }{{leaky, "LeakyReLU layer 3"}, {softmax, "no hidden layer with an activation"}} {
		for _, args := range [][]string{bench, summary} {
			_, stderr, code := output(t, append(args, c.model)...)
			if code != 2 || !strings.Contains(stderr, "--activation tanh") || !strings.Contains(stderr, c.says) {
				t.Errorf("%s %s: exit %d, want 2 saying %q:\n%s", args[0], filepath.Base(c.model), code, c.says, stderr)
			}
		}
	}
	for _, m := range []string{cnn, apart} {
		if _, stderr, code := output(t, append(summary, m)...); code != 0 {
			t.Errorf("summary %s: exit %d, want 0:\n%s", filepath.Base(m), code, stderr)
		}
	}
}
