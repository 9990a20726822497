package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestUsersFileNamedLikeTheLockIsKept: a user's own file that has the name
// of a lock the tool takes (.lock in --out, in a study's folder or in one
// of its cells; .NAME.lock beside --save-weights) was truncated to hold the
// lock's line and removed when the command ended, before any check of the
// folder's files could refuse it. Each is refused (exit 2 naming the file;
// the cell fails alone, saying so) and the file stays byte for byte.
func TestUsersFileNamedLikeTheLockIsKept(t *testing.T) {
	const mine = "my own notes, not a lock\n"
	dir := t.TempDir()
	put := func(p string) string {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(mine), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kept := func(what, p string) {
		t.Helper()
		if got, err := os.ReadFile(p); err != nil || string(got) != mine {
			t.Errorf("%s: the user's %s is now %q, %v", what, p, got, err)
		}
	}
	train := func(more ...string) []string {
		return append(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1"}, smallData...), more...)
	}

	out := filepath.Join(dir, "out")
	lock := put(filepath.Join(out, run.LockFile))
	for _, more := range [][]string{{"--out", out}, {"--out", out, "--overwrite"}, {"--resume", out}} {
		err := cliRun(train(more...)...)
		want := "--" + strings.TrimPrefix(more[0], "--") + " " + lock + " holds a file that is not a lock file"
		if exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want exit 2 saying %q", more, err, want)
		}
		kept(strings.Join(more, " "), lock)
	}

	weights := filepath.Join(dir, "shared", "w.safetensors")
	wlock := put(filepath.Join(dir, "shared", ".w.safetensors"+run.LockFile))
	err := cliRun(train("--out", filepath.Join(dir, "w"), "--save-weights", weights)...)
	if want := "--save-weights " + wlock + " holds a file that is not a lock file"; exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("--save-weights: %v, want exit 2 saying %q", err, want)
	}
	kept("--save-weights", wlock)

	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	sdir := filepath.Join(dir, "study")
	slock := put(filepath.Join(sdir, run.LockFile))
	_, msg, code := output(t, "study", "run", spec, "--out", sdir, "--data-dir", small, "--no-verify")
	if code != 2 || !strings.Contains(msg, slock+" holds a file that is not a lock file") {
		t.Errorf("study folder: exit %d\n%s", code, msg)
	}
	kept("study folder", slock)

	os.Remove(slock)
	clock := put(filepath.Join(sdir, "cells", "optimizer=sgd,seed=1", run.LockFile))
	_, msg, code = output(t, "study", "run", spec, "--out", sdir, "--data-dir", small, "--no-verify")
	if code != 1 || !strings.Contains(msg, clock+" holds a file that is not a lock file") {
		t.Errorf("study cell: exit %d\n%s", code, msg)
	}
	kept("study cell", clock)
}
