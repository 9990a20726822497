package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// The variables of train's settings that `study run` has no flag for
// (MNISTGPU_MODEL, MNISTGPU_BATCH_SIZE, MNISTGPU_SEED, MNISTGPU_OUT) are not
// a study's: its cells take their settings from the study file, and
// train's defaults where it leaves one out. Exported for train, they went
// unused in silence (a file without "batch-size" trained every cell at 64
// under MNISTGPU_BATCH_SIZE=32); each is said in one line, and a variable
// of a setting the file gives is overridden by it without a word.
func TestStudySaysTrainVariablesUnused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	os.WriteFile(file, []byte(`{"axes":[{"name":"lr","values":["0.01"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"}}`), 0o644)
	t.Setenv("MNISTGPU_MODEL", "mlp2")
	t.Setenv("MNISTGPU_BATCH_SIZE", "32")
	t.Setenv("MNISTGPU_SEED", "4")
	t.Setenv("MNISTGPU_OUT", filepath.Join(dir, "elsewhere"))
	out := filepath.Join(dir, "study")
	_, stderr, code := output(t, "study", "run", file, "--out", out, "--threads", "1", "--data-dir", small, "--no-verify")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{
		`MNISTGPU_BATCH_SIZE=32 is not used by study run: a study's cells take "batch-size" from the study file, and train's default (64) where it leaves it out`,
		`MNISTGPU_SEED=4 is not used by study run: a study's seeds come from its "seeds" list or --seeds`,
	} {
		if strings.Count(stderr, want) != 1 {
			t.Errorf("want once %q:\n%s", want, stderr)
		}
	}
	for _, not := range []string{"MNISTGPU_MODEL", "MNISTGPU_OUT"} { // the file gives the model; --out is typed
		if strings.Contains(stderr, not) {
			t.Errorf("%s is said, though the study file or the command line gives its setting:\n%s", not, stderr)
		}
	}
	cfg, err := run.ReadConfigFile(filepath.Join(out, "cells", "lr=0.01,seed=1", run.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BatchSize != 64 || cfg.Seed != 1 || filepath.Base(cfg.Model.Name) != "mlp" {
		t.Errorf("the cell recorded batch %d, seed %d, model %s; want the file's and train's defaults: 64, 1, mlp", cfg.BatchSize, cfg.Seed, cfg.Model.Name)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Error("MNISTGPU_OUT's folder was made by study run")
	}
}
