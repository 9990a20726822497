package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --data-dir that is not there, or is a file, is a bad flag value: every
// command that reads the data (train, evaluate, data verify, data where,
// study run) refuses it with exit 2, naming --data-dir and the path, as
// it refuses --init-weights or --weights naming no file; it was exit 1
// ("…/train-images-idx3-ubyte.gz: missing", or "…: a file, not a folder
// of MNIST files"). A folder that is there without the files is still the
// data's error, exit 1.
func TestDataDirThatIsNoFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "100", "--epochs", "1", "--checkpoint", "",
		"--out", filepath.Join(dir, "run"), "--save-weights", weights}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1"}}`), 0o644)
	file := filepath.Join(dir, "notes.txt")
	os.WriteFile(file, []byte("mine"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	names := func() string {
		entries, _ := os.ReadDir(dir)
		var s []string
		for _, e := range entries {
			s = append(s, e.Name())
		}
		return strings.Join(s, " ")
	}
	before := names()
	commands := [][]string{
		{"train", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(dir, "new")},
		{"evaluate", "--weights", weights},
		{"data", "verify"},
		{"data", "verify", "--no-verify"},
		{"data", "where", "--offline"},
		{"study", "run", spec, "--out", filepath.Join(dir, "study")},
	}
	for _, c := range []struct {
		dir, want string
		code      int
	}{
		{filepath.Join(dir, "nowhere"), "--data-dir " + filepath.Join(dir, "nowhere") + ": no such folder", 2},
		{file, "--data-dir " + file + ": a file, not a folder of MNIST files", 2},
		{empty, filepath.Join(empty, "t"), 1}, // its first missing file (train- or t10k-)
	} {
		for _, args := range commands {
			args = append(append([]string(nil), args...), "--data-dir", c.dir)
			err := cliRun(args...)
			if exitCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want exit %d and %q", strings.Join(args, " "), err, c.code, c.want)
			}
		}
	}
	if after := names(); after != before {
		t.Errorf("refused commands left %s, where there was %s", after, before)
	}
}
