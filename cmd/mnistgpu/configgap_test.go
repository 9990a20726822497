package main

import (
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/run"
)

// TestEnvironmentFillsWhatTheConfigFileLeavesOut: beside a hand-written
// --config file that leaves out the batch size and seed, the exported
// MNISTGPU_BATCH_SIZE and MNISTGPU_SEED were dropped in silence (the run
// trained at 64 and seed 1); they give those settings as they give a new
// run's, and config.json records them. What the file holds wins over its
// variable (MNISTGPU_EPOCHS), as a run's record does.
func TestEnvironmentFillsWhatTheConfigFileLeavesOut(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "partial.json")
	os.WriteFile(file, []byte(`{"epochs": 1, "model": {"name": "mlp"}, "data": {"train_limit": 300}}`), 0o644)
	t.Setenv("MNISTGPU_SEED", "5")
	t.Setenv("MNISTGPU_BATCH_SIZE", "32")
	t.Setenv("MNISTGPU_EPOCHS", "2")
	out := filepath.Join(dir, "run")
	if err := cliRun(append([]string{"train", "--config", file, "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	cfg, err := run.ReadConfigFile(filepath.Join(out, run.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Seed != 5 || cfg.BatchSize != 32 || cfg.Epochs != 1 {
		t.Errorf("seed %d, batch %d, epochs %d; want the environment's 5 and 32, and the file's 1", cfg.Seed, cfg.BatchSize, cfg.Epochs)
	}
	// An early version's record holds every setting in its list of
	// arguments, the batch size of 16 and the default seed among them.
	legacy := filepath.Join(dir, "legacy.json")
	os.WriteFile(legacy, []byte(`{"args": ["--model=mlp", "--batch-size=16", "--train-limit=300"], "epochs": 1}`), 0o644)
	again := filepath.Join(dir, "again")
	if err := cliRun(append([]string{"train", "--config", legacy, "--out", again}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if cfg, err = run.ReadConfigFile(filepath.Join(again, run.ConfigFile)); err != nil || cfg.BatchSize != 16 || cfg.Seed != 1 {
		t.Errorf("an early version's record: batch %d, seed %d (%v); want its 16 and 1", cfg.BatchSize, cfg.Seed, err)
	}
}
