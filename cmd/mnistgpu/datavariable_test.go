package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataVariableIsNamed: a data folder that MNISTGPU_DATA gave and that
// holds no MNIST was reported by its first missing file alone, where a
// refused value of any other variable is named by it; the error says the
// variable gave it, with its exit code (1; 2 for a folder that is not
// there, a refused --data-dir). A --data-dir typed over the variable is
// reported as typed.
func TestDataVariableIsNamed(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, c := range []struct {
		dir, want string
		code      int
	}{{empty, "missing", 1}, {filepath.Join(dir, "nowhere"), "no such folder", 2}} {
		t.Setenv("MNISTGPU_DATA", c.dir)
		note := "(--data-dir was given by the environment: MNISTGPU_DATA=" + c.dir + ")"
		for _, args := range [][]string{
			{"data", "verify"},
			{"train", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(dir, "run")},
		} {
			err := cliRun(args...)
			if exitCode(err) != c.code || !strings.Contains(err.Error(), c.want) || !strings.HasSuffix(err.Error(), note) {
				t.Errorf("%v: %v, want exit %d and %q with %q", args, err, c.code, c.want, note)
			}
		}
	}
	err := cliRun("data", "verify", "--data-dir", filepath.Join(dir, "elsewhere"))
	if exitCode(err) != 2 || strings.Contains(err.Error(), "MNISTGPU_DATA") {
		t.Errorf("--data-dir typed over the variable: %v", err)
	}
}
