package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDivergedCellIsAResult: a cell whose loss diverges is a result, as
// docs/study.md and the README say (docs/study.md called it "recorded as
// failed"): said as one, its error kept in its failed.txt, "diverged" in
// results.csv, the study's exit 0 with 0 failed, and a rerun does not train
// it again.
func TestDivergedCellIsAResult(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "div.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["1e30","0.01"]}],"seeds":[1],
		"fixed":{"model":"mlp","optimizer":"sgd","epochs":"1","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	args := []string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"}
	_, stderr, code := output(t, args...)
	if code != 0 || !strings.Contains(stderr, "lr=1e30,seed=1: diverged, a result: ") || !strings.Contains(stderr, "2 run now, 0 failed") {
		t.Fatalf("a study with a diverging cell: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "cells", "lr=1e30,seed=1", "failed.txt")); err != nil || !strings.Contains(string(b), "training loss is NaN") {
		t.Errorf("the diverged cell's failed.txt: %q, %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "results.csv")); !strings.Contains(string(b), "\n1e30,1,diverged,") {
		t.Errorf("results.csv has no diverged row:\n%s", b)
	}
	if _, stderr, code := output(t, args...); code != 0 || !strings.Contains(stderr, "2 already complete: nothing to do") {
		t.Errorf("the study again: exit %d: %s", code, stderr)
	}
}
