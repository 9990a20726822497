//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// limitedOutput runs the command as a process whose address space is
// bounded (ulimit -v, 3 GB), so that a reader without bounds fails in it
// instead of taking the machine's memory; it returns stderr and the exit
// code.
func limitedOutput(t *testing.T, args ...string) (string, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := command(append([]string{exe}, args...)...)
	cmd.Path, cmd.Args[0] = "/bin/sh", "sh"
	cmd.Args = append([]string{"sh", "-c", `ulimit -v 3000000 && exec "$0" "$@"`}, cmd.Args[1:]...)
	var se bytes.Buffer
	cmd.Stderr = &se
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return se.String(), cmd.ProcessState.ExitCode()
}

// TestEndlessFilesAreRefused: every file the tool reads on a user's word is
// read through one bounded reader, so /dev/zero (which has no end) given as
// a config, model, study, weights, image or data file is refused in one
// line naming it, with the command's code for a bad file, where it used to
// end in "fatal error: out of memory" and a runtime trace.
func TestEndlessFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "mlp.safetensors")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "100", "--out", filepath.Join(dir, "w"), "--save-weights", weights}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	// A data folder whose training images are a link to /dev/zero.
	zero := filepath.Join(dir, "zero")
	if err := os.Mkdir(zero, 0o777); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(small)
	entries, _ := os.ReadDir(abs)
	for _, e := range entries {
		target := filepath.Join(abs, e.Name())
		if strings.HasPrefix(e.Name(), "train-images") {
			target = "/dev/zero"
		}
		if err := os.Symlink(target, filepath.Join(zero, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	data := []string{"--data-dir", small, "--no-verify"}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		code int
		file string
	}{
		{[]string{"train", "--config", "/dev/zero"}, 2, "/dev/zero"},
		{append([]string{"train", "--model", "/dev/zero", "--out", out}, data...), 2, "/dev/zero"},
		{[]string{"summary", "--model", "/dev/zero"}, 2, "/dev/zero"},
		{[]string{"study", "run", "/dev/zero"}, 2, "/dev/zero"},
		{append([]string{"evaluate", "--weights", "/dev/zero"}, data...), 2, "/dev/zero"}, // read before the data, as --init-weights
		{[]string{"predict", "--weights", weights, "/dev/zero"}, 1, "/dev/zero"},
		{append([]string{"train", "--init-weights", "/dev/zero", "--out", out}, data...), 2, "/dev/zero"}, // a flag's value, read before the data
		{[]string{"train", "--data-dir", zero, "--no-verify", "--out", out}, 1, filepath.Join(zero, "train-images")},
		{[]string{"plot", "/dev/zero"}, 2, "/dev/zero"},
	} {
		stderr, code := limitedOutput(t, c.args...)
		last := strings.TrimSpace(stderr)
		if i := strings.LastIndex(last, "\n"); i >= 0 && c.args[0] == "predict" {
			last = last[:i] // predict sums up the files it could not read after naming each
		}
		if code != c.code || strings.Contains(stderr, "fatal error") || !strings.Contains(last, c.file) ||
			!strings.Contains(last, "a character device, not a regular") || strings.Count(strings.TrimSpace(last), "\n") > 1 {
			t.Errorf("%v: exit %d, want %d and a line naming %s as a character device:\n%.600s", c.args, code, c.code, c.file, stderr)
		}
	}
}
