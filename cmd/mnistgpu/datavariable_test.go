package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDataVariableIsNamed: a data folder that MNISTGPU_DATA gave and that
// holds no MNIST was reported by its first missing file alone, where a
// refused value of any other variable is named by it; the error says the
// variable gave it, with its exit code (1). A --data-dir typed over the
// variable is reported as typed.
func TestDataVariableIsNamed(t *testing.T) {
	dir := t.TempDir()
	nowhere := filepath.Join(dir, "nowhere")
	t.Setenv("MNISTGPU_DATA", nowhere)
	note := "(--data-dir was given by the environment: MNISTGPU_DATA=" + nowhere + ")"
	for _, args := range [][]string{
		{"data", "verify"},
		{"train", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(dir, "run")},
	} {
		err := cliRun(args...)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "missing") || !strings.HasSuffix(err.Error(), note) {
			t.Errorf("%v: %v, want exit 1 and the missing file with %q", args, err, note)
		}
	}
	err := cliRun("data", "verify", "--data-dir", filepath.Join(dir, "elsewhere"))
	if exitCode(err) != 1 || strings.Contains(err.Error(), "MNISTGPU_DATA") {
		t.Errorf("--data-dir typed over the variable: %v", err)
	}
}
