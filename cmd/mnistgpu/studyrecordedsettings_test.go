package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A study recorded before a setting of its study.json was refused (here
// --split random without validation data, which changed nothing) goes on
// as it ran, as a resumed run does: it was refused in whole, its own file
// and the file without the setting alike (the folder's record was
// validated too), so its trained cells could not be continued. Its cells
// not yet trained train; a new study of the file is still refused.
func TestRecordedStudyGoesOnAfterARefusal(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	body := `{"name":"s","axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"epochs":"1","model":"mlp","optimizer":"sgd","train-limit":"200","validation-split":"0","split":"random"}}`
	if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	recorded := filepath.Join(dir, "recorded")
	if err := os.MkdirAll(recorded, 0o777); err != nil {
		t.Fatal(err)
	}
	// The record an earlier version wrote before training its cells.
	if err := os.WriteFile(filepath.Join(recorded, "study.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify", "--threads", "1"}
	}
	if err := cliRun(args(recorded)...); err != nil {
		t.Fatalf("the recorded study: %v", err)
	}
	if _, err := os.Stat(filepath.Join(recorded, "cells", "lr=0.1,seed=1", run.FinalFile)); err != nil {
		t.Errorf("its cell did not train: %v", err)
	}
	err := cliRun(args(filepath.Join(dir, "new"))...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--split tail") {
		t.Errorf("a new study of the file: %v, want exit 2 saying what to give", err)
	}
}
