package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study whose "fixed" names an init-weights file that does not exist is
// refused before anything trains (exit 2), naming the study file and its
// setting, as train refuses the same --init-weights up front. Before, each
// cell failed with it in turn (exit 1), after MNIST was loaded. Cells that
// resume from their saved state read no such file: a study whose file is
// gone since it trained still continues.
func TestStudyRefusesAMissingInitWeightsFile(t *testing.T) {
	dir := t.TempDir()
	init := filepath.Join(dir, "init.safetensors")
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1","0.05"]}],"seeds":[1],
		"fixed":{"model":"mlp","optimizer":"sgd","epochs":"1","train-limit":"200","init-weights":"`+init+`"}}`), 0o644)
	out := filepath.Join(dir, "out")
	studyRun := func(args ...string) error {
		return cliRun(append([]string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify", "--threads", "1"}, args...)...)
	}
	for _, args := range [][]string{nil, {"--dry-run"}} {
		err := studyRun(args...)
		if code := exitCode(err); code != 2 {
			t.Fatalf("study run %v with a missing init-weights: exit %d (%v), want 2", args, code, err)
		}
		for _, want := range []string{spec, `"init-weights"`, init} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("study run %v: %q does not name %s", args, err, want)
			}
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("study run %v: a study refused as written still made its folder", args)
		}
	}
	// train says the same of the file.
	err := cliRun(append([]string{"train", "--model", "mlp", "--init-weights", init, "--out", filepath.Join(dir, "run")}, smallData...)...)
	if exitCode(err) != 2 {
		t.Errorf("train --init-weights of a missing file: %v", err)
	}
	// Another model's weights are refused the same way.
	if err := cliRun(append([]string{"train", "--model", "cnn", "--epochs", "1", "--train-limit", "100", "--out", filepath.Join(dir, "cnn"),
		"--save-weights", init}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if err := studyRun(); exitCode(err) != 2 || !strings.Contains(err.Error(), `"init-weights"`) {
		t.Errorf("study run with a cnn's weights for its mlp cells: %v, want exit 2 naming \"init-weights\"", err)
	}
	os.Remove(init)
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "100", "--out", filepath.Join(dir, "mlp"),
		"--save-weights", init}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if err := studyRun(); err != nil {
		t.Fatalf("study run with its init-weights there: %v", err)
	}
	os.Remove(init)
	if err := studyRun("--epochs", "2"); err != nil {
		t.Errorf("study run --epochs 2 of cells that resume, their init-weights gone: %v", err)
	}
	// Complete cells whose states were removed to save space read no such
	// file either: the study has nothing to train, and says so (it was
	// refused, naming the file gone).
	states, _ := filepath.Glob(filepath.Join(out, "cells", "*", "state.safetensors"))
	if len(states) != 2 {
		t.Fatalf("states of the complete cells: %v", states)
	}
	for _, s := range states {
		os.Remove(s)
	}
	for _, args := range [][]string{{"--epochs", "2"}, {"--epochs", "2", "--dry-run"}} {
		if err := studyRun(args...); err != nil {
			t.Errorf("study run %v of complete cells without their states, their init-weights gone: %v", args, err)
		}
	}
}
