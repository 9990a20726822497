package run

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigFileIsOneObjectOfSettings: `train --config` refuses a file that
// is not one JSON object, a null anywhere (encoding/json would keep the
// default for it: `null` or {"model": null} trained the default CNN), a
// key given twice (the last one won), and data after the object, naming
// the file and the key; the same holds for the settings in a state file.
func TestConfigFileIsOneObjectOfSettings(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ src, want string }{
		{`null`, "null where a JSON object of settings is expected"},
		{`[{"epochs": 2}]`, "an array where a JSON object of settings is expected"},
		{`{"model": null}`, `"model" is null: give it a value or leave it out`},
		{`{"optimizer": {"name": "sgd", "lr": null}}`, `"optimizer.lr" is null`},
		{`{"epochs": 2, "epochs": 3}`, `key "epochs" appears twice in the top-level object`},
		{`{"callbacks": {"monitor": "loss", "Monitor": "val_loss"}}`, `keys "monitor" and "Monitor" in callbacks name the same field`},
		// A wrong type, and an empty file, in the file's words: they were
		// "json: cannot unmarshal string into Go struct field
		// stored.Config.epochs of type int", and "EOF".
		{`{"epochs": "2"}`, `"epochs" takes an integer, got a string`},
		{`{"epochs": 2.5}`, `"epochs" takes an integer, got 2.5`},
		{`{"optimizer": {"lr": "0.1"}}`, `"optimizer.lr" takes a number, got a string`},
		{`{"data": {"shuffle": "no"}}`, `"data.shuffle" takes true or false, got a string`},
		{`{"model": "mlp"}`, `"model" takes an object, got a string`},
		{`{"seed": -1}`, `"seed" takes a non-negative integer, got -1`},
		{``, `the file is empty: it holds no JSON object`},
		{`{"epochs": 2} {"epochs": 3}`, "data after the JSON object"},
	} {
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, []byte(c.src), 0o666); err != nil {
			t.Fatal(err)
		}
		_, err := ReadConfigFile(p)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "config" || !strings.Contains(err.Error(), p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a --config error naming %s and saying %q", c.src, err, p, c.want)
		}
		if _, err := decodeConfig([]byte(c.src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s in a state file: err = %v, want %q", c.src, err, c.want)
		}
	}
	p := filepath.Join(dir, "ok.json")
	if err := os.WriteFile(p, []byte(`{"epochs": 3, "model": {"name": "mlp"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	if cfg, err := ReadConfigFile(p); err != nil || cfg.Epochs != 3 || cfg.Model.Name != "mlp" {
		t.Errorf("a valid config: %+v, %v", cfg, err)
	}
}

// TestCosineMinimumBelowTheRate: a cosine schedule whose minimum is not
// below the initial rate would climb (cosine:1:0.5 with --lr 0.001 rose to
// 0.25 and trained to loss 42.9); it is refused naming both rates, whether
// the rate is given or the optimizer's default.
func TestCosineMinimumBelowTheRate(t *testing.T) {
	for _, c := range []struct {
		lr   *float64
		spec string
		want string
	}{
		{ptr(0.001), "cosine:1:0.5", "MIN_LR 0.5 is not below the initial learning rate 0.001"},
		{ptr(0.001), "cosine:0:0.001", "MIN_LR 0.001 is not below the initial learning rate 0.001"},
		{nil, "cosine:0:0.005", "MIN_LR 0.005 is not below the initial learning rate 0.001"}, // Adam's default
	} {
		cfg := Default()
		cfg.Optimizer.LR, cfg.Optimizer.Schedule = c.lr, c.spec
		err := cfg.Validate()
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "lr-schedule" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want --lr-schedule: %q", c.spec, err, c.want)
		}
	}
	cfg := Default()
	cfg.Optimizer.LR, cfg.Optimizer.Schedule = ptr(0.01), "cosine:1:0.001"
	if err := cfg.Validate(); err != nil {
		t.Errorf("a minimum below the rate: %v", err)
	}
}
