package run

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEmptyLossIsRecordedAsItRan: a --config file's "loss": "" trains the
// default categorical cross-entropy, and config.json recorded "loss": ""
// where it holds every other default filled in ("monitor": "" is
// recorded as val_loss).
func TestEmptyLossIsRecordedAsItRan(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"model": {"name": "mlp", "loss": ""}, "callbacks": {"monitor": ""}}`), 0o644)
	cfg, err := ReadConfigFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := cfg.Resolved()
	if r.Model.Loss != "categorical_crossentropy" || r.Callbacks.Monitor != "val_loss" {
		t.Errorf("resolved loss %q, monitor %q; want categorical_crossentropy and val_loss", r.Model.Loss, r.Callbacks.Monitor)
	}
}
