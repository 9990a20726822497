package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigFileRefusalNamesTheFile: a hand-written config.json's bad value
// was refused as if typed ("--epochs must be at least 1, got 0"), naming a
// flag nobody gave and not the file; the refusal now says the file gave
// it, and where in the file. A value typed beside --config is refused as
// typed.
func TestConfigFileRefusalNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.json")
	os.WriteFile(file, []byte(`{"epochs": 0, "model": {"name": "mlp"}, "callbacks": {"Monitor": "foo"}}`), 0o644)
	out := filepath.Join(dir, "run")
	err := cliRun(append([]string{"train", "--config", file, "--out", out}, smallData...)...)
	if want := `--epochs must be at least 1, got 0 (--epochs was given by --config ` + file + `: "epochs": 0)`; exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("epochs 0 in the file: %v, want exit 2 and %q", err, want)
	}
	err = cliRun(append([]string{"train", "--config", file, "--out", out, "--epochs", "1"}, smallData...)...)
	if want := `(--monitor was given by --config ` + file + `: "callbacks.monitor": "foo")`; exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("a nested key in the file: %v, want exit 2 and %q", err, want)
	}
	err = cliRun(append([]string{"train", "--config", file, "--out", out, "--epochs", "-1"}, smallData...)...)
	if exitCode(err) != 2 || !strings.HasSuffix(err.Error(), "--epochs must be at least 1, got -1") {
		t.Errorf("--epochs -1 typed beside the file: %v, want it refused as typed", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused rerun made its folder: %v", err)
	}
}
