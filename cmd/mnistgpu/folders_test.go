package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// What a run writes is its own: no output name of one run replaces another
// run's files or its own, and run and study folders never mix (QA of issues
// 22 and 23). Every command here is a real process or the CLI's own entry.

// A run SIGKILLed during its first epoch, before any state exists: --resume
// says that nothing is saved and that the same command starts it, and the
// same command does. SGD with a values: schedule records the schedule's
// first rate, which reading config.json back unsets: the comparison must
// resolve both sides.
func TestKilledInFirstEpochStartsAgain(t *testing.T) {
	out := filepath.Join(t.TempDir(), "X")
	args := append([]string{"train", "--model", "cnn", "--out", out, "--epochs", "2", "--train-limit", "1000",
		"--optimizer", "sgd", "--lr-schedule", "values:0.05,0.02"}, smallData...)
	cmd, pipe, sc, stderr := startReadingStderr(t, args...)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Epoch 1/2") {
			cmd.Process.Kill()
			break
		}
	}
	io.Copy(stderr, pipe)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, run.StateFile)); err == nil {
		t.Fatalf("the kill came after the first state was saved:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, run.ConfigFile)); err != nil {
		t.Fatalf("the killed run wrote no config.json: %v\n%s", err, stderr)
	}
	_, msg, code := output(t, "train", "--resume", out, "--quiet")
	if code != 2 || !strings.Contains(msg, "the same command without --resume starts it") {
		t.Errorf("--resume after a kill in epoch 1: exit %d\n%s", code, msg)
	}
	if _, msg, code := output(t, args...); code != 0 {
		t.Errorf("the same command again: exit %d\n%s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err != nil {
		t.Errorf("the run started again did not finish: %v", err)
	}
}

// --save-weights and --checkpoint never name a file that is not theirs:
// another run's files, a folder, a study's folder, the run's own state,
// configuration, history, lock... Each is refused before anything runs
// (the data folder here is not there, and nothing is created), exit 2
// naming the flag; the default final weights' name, given explicitly, and a
// numbered checkpoint that cannot be a run's file are fine.
func TestOutputNamesAreTheirOwn(t *testing.T) {
	dir := t.TempDir()
	e1 := filepath.Join(dir, "e1")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", e1}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "st")
	os.MkdirAll(st, 0o755)
	os.WriteFile(filepath.Join(st, "study.json"), []byte("{}"), 0o644)
	e1Before := snapshot(t, e1)
	e2 := filepath.Join(dir, "e2")
	nowhere := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline", "--out", e2}
	for _, c := range []struct{ flag, value, says string }{
		{"save-weights", filepath.Join(e1, run.StateFile), "holds another run"},
		{"save-weights", filepath.Join(e1, run.FinalFile), "holds another run"},
		{"save-weights", filepath.Join(e1, "sub", "w.safetensors"), "holds another run"},
		{"save-weights", e1, "is a folder"},
		{"save-weights", filepath.Join(st, "w.safetensors"), "holds a study"},
		{"save-weights", filepath.Join(e2, run.ConfigFile), "writes itself"},
		{"save-weights", filepath.Join(e2, run.StateFile), "writes itself"},
		{"save-weights", filepath.Join(e2, "history.csv"), "writes itself"},
		{"save-weights", filepath.Join(e2, "metrics.jsonl"), "writes itself"},
		{"save-weights", filepath.Join(e2, run.LockFile), "writes itself"},
		{"save-weights", filepath.Join(e2, "weights0.03-0.41.safetensors"), "checkpoints"},
		{"checkpoint", run.ConfigFile, "writes itself"},
		{"checkpoint", run.StateFile, "writes itself"},
		{"checkpoint", "history.csv", "writes itself"},
		{"checkpoint", run.FinalFile, "writes itself"},
		{"checkpoint", "./" + run.ResultFile, "writes itself"},
		{"checkpoint", "ckpt/../" + run.StateFile, "writes itself"},
		{"checkpoint", ".", "folder"},
		{"checkpoint", "ckpt/..", "folder"},
		{"checkpoint", "ckpt/", "folder"},
		{"checkpoint", run.LockFile, "hidden"},
	} {
		_, msg, code := output(t, append(nowhere, "--"+c.flag, c.value)...)
		if code != 2 || !strings.Contains(msg, "--"+c.flag) || !strings.Contains(msg, c.says) {
			t.Errorf("--%s %s: exit %d, want 2 saying %q:\n%s", c.flag, c.value, code, c.says, msg)
		}
	}
	if _, err := os.Stat(e2); err == nil {
		t.Error("a refused command created its --out")
	}
	sameFiles(t, "refused output names", e1Before, snapshot(t, e1))

	// A template that can name an existing folder of --out.
	e3 := filepath.Join(dir, "e3")
	os.MkdirAll(filepath.Join(e3, "w5"), 0o755)
	_, msg, code := output(t, "train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline",
		"--out", e3, "--checkpoint", "w{epoch}")
	if code != 2 || !strings.Contains(msg, "the folder") {
		t.Errorf("--checkpoint w{epoch} beside a folder w5: exit %d\n%s", code, msg)
	}

	// A study's cells are checked as a run is.
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","checkpoint":"config.json"}}`), 0o644)
	_, msg, code = output(t, "study", "run", spec, "--out", filepath.Join(dir, "s"), "--data-dir", small, "--no-verify")
	if code != 2 || !strings.Contains(msg, "--checkpoint") {
		t.Errorf("a study whose cells' checkpoints are named config.json: exit %d\n%s", code, msg)
	}

	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", e2,
		"--save-weights", filepath.Join(e2, run.FinalFile), "--checkpoint", "{epoch}.safetensors", "--save-best-only=false"}, smallData...)
	if _, msg, code := output(t, args...); code != 0 {
		t.Fatalf("the default final weights given explicitly: exit %d\n%s", code, msg)
	}
	for _, f := range []string{run.FinalFile, "1.safetensors", run.StateFile} {
		if _, err := os.Stat(filepath.Join(e2, f)); err != nil {
			t.Error(err)
		}
	}
}
