package main

import (
	"os"
	"os/exec"
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

// A --data-dir given to a resume, typed or exported as MNISTGPU_DATA, is
// read as a new run reads it: not there, or a file, it is refused (exit 2,
// naming --data-dir and the path) and nothing trains. It was taken for the
// recorded folder gone, and the run looked for its data elsewhere (here the
// user cache, which holds it) and went on. With no folder given, a recorded
// one that is gone is still looked for elsewhere.
func TestResumeHonoursTheDataDirGiven(t *testing.T) {
	dir := t.TempDir()
	data, out, cache := filepath.Join(dir, "data"), filepath.Join(dir, "run"), filepath.Join(dir, "cache")
	writeSubset(t, data, 300)
	writeSubset(t, filepath.Join(cache, "mnistgpu", "mnist"), 300)
	if err := cliRun("train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--checkpoint", "", "--out", out, "--data-dir", data, "--no-verify", "--quiet"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "notes.txt")
	os.WriteFile(file, []byte("mine"), 0o644)
	missing := filepath.Join(dir, "nowhere")
	resume := func(env string, args ...string) (string, int) {
		cmd := command(append([]string{"train", "--resume", out, "--epochs", "2", "--offline", "--no-verify", "--quiet"}, args...)...)
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+cache)
		if env != "" {
			cmd.Env = append(cmd.Env, "MNISTGPU_DATA="+env)
		}
		text, err := cmd.CombinedOutput()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
		return string(text), cmd.ProcessState.ExitCode()
	}
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--data-dir", missing}, "--data-dir " + missing + ": no such folder\n"},
		{"", []string{"--data-dir", file}, "--data-dir " + file + ": a file, not a folder of MNIST files\n"},
		{missing, nil, "--data-dir " + missing + ": no such folder (--data-dir was given by the environment: MNISTGPU_DATA=" + missing + ")"},
	} {
		text, code := resume(c.env, c.args...)
		if code != 2 || !strings.Contains(text, c.want) || strings.Contains(text, "elsewhere") {
			t.Errorf("MNISTGPU_DATA=%s %v: exit %d, want 2 and %q:\n%s", c.env, c.args, code, c.want, text)
		}
		if r := readResult(t, out); r.Epochs != 1 {
			t.Fatalf("MNISTGPU_DATA=%s %v: %d epochs after the refusal", c.env, c.args, r.Epochs)
		}
	}
	os.RemoveAll(data)
	if text, code := resume(""); code != 0 || !strings.Contains(text, data+" holds no MNIST now; looking for the run's data elsewhere") {
		t.Fatalf("exit %d\n%s", code, text)
	}
	if r := readResult(t, out); r.Epochs != 2 {
		t.Errorf("%d epochs after the resume", r.Epochs)
	}
}
