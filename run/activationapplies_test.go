package run

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --activation on a model file whose hidden layers it cannot replace (none
// has an activation, or one is a LeakyReLU layer) trained the file's own
// network under the recorded flag; it is refused, naming the layers. A run
// recorded so before validates as it ran, its model built as then.
func TestActivationMustReplaceSomething(t *testing.T) {
	dir := t.TempDir()
	model := func(name, hidden string) string {
		p := filepath.Join(dir, name+".json")
		body := `{"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, ` + hidden + `, {"type": "Dense", "units": 10, "activation": "softmax"}]}`
		if err := os.WriteFile(p, []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	linear := model("linear", `{"type": "Dense", "units": 32}`)
	leaky := model("leaky", `{"type": "Dense", "units": 32}, {"type": "LeakyReLU", "alpha": 0.1}`)
	for _, c := range []struct{ model, says string }{
		{linear, "nothing to replace"},
		{leaky, "leave the LeakyReLU layer 3"},
	} {
		cfg := configOf(t, "model", c.model, "activation", "tanh")
		err := cfg.Validate()
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "activation" || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want --activation ... %s", c.model, err, c.says)
		}
		if err := cfg.ValidateRecorded(); err != nil {
			t.Errorf("%s recorded: %v", c.model, err)
		}
		if err := configOf(t, "model", c.model).Validate(); err != nil {
			t.Errorf("%s without --activation: %v", c.model, err)
		}
	}
	sigmoid := model("sigmoid", `{"type": "Dense", "units": 32, "activation": "sigmoid"}`)
	if err := configOf(t, "model", sigmoid, "activation", "tanh").Validate(); err != nil {
		t.Errorf("a hidden sigmoid: %v", err)
	}
}
