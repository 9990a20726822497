package main

import (
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/run"
)

// An environment variable gives a flag its default: it sets a new run, and
// it does not replace what a run records. An exported MNISTGPU_SEED trained
// `--config DIR/config.json` with its seed instead of the recorded one, and
// refused `--resume DIR` naming a --seed nobody typed. The command line
// still overrides both.
func TestEnvironmentGivesDefaultsOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MNISTGPU_SEED", "5")
	t.Setenv("MNISTGPU_BATCH_SIZE", "32")
	first := filepath.Join(dir, "first")
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300"}, smallData...)
	if err := cliRun(append(args, "--out", first)...); err != nil {
		t.Fatal(err)
	}
	recorded := func(out string) run.Config {
		t.Helper()
		cfg, err := run.ReadConfigFile(filepath.Join(out, run.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if c := recorded(first); c.Seed != 5 || c.BatchSize != 32 {
		t.Fatalf("a new run: seed %d, batch %d; want the environment's 5 and 32", c.Seed, c.BatchSize)
	}
	t.Setenv("MNISTGPU_SEED", "9")
	t.Setenv("MNISTGPU_BATCH_SIZE", "16")
	again := filepath.Join(dir, "again")
	if err := cliRun("train", "--config", filepath.Join(first, run.ConfigFile), "--out", again, "--quiet"); err != nil {
		t.Fatal(err)
	}
	if c := recorded(again); c.Seed != 5 || c.BatchSize != 32 {
		t.Errorf("--config: seed %d, batch %d; want the recorded 5 and 32", c.Seed, c.BatchSize)
	}
	if err := cliRun("train", "--resume", first, "--epochs", "2", "--quiet"); err != nil {
		t.Errorf("--resume with MNISTGPU_SEED=9 exported: %v", err)
	}
	// What a resume may change (the machine's: device, threads, data
	// location) the environment still gives it: a data folder without the
	// run's data is not where it continues (the recorded one would be).
	t.Setenv("MNISTGPU_DATA", filepath.Join(dir, "nowhere"))
	if err := cliRun("train", "--resume", first, "--epochs", "3", "--offline", "--quiet"); err == nil {
		t.Error("--resume with MNISTGPU_DATA naming a folder without the run's data continued")
	}
	os.Unsetenv("MNISTGPU_DATA")
	other := filepath.Join(dir, "other")
	if err := cliRun("train", "--config", filepath.Join(first, run.ConfigFile), "--out", other, "--seed", "7", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if c := recorded(other); c.Seed != 7 || c.BatchSize != 32 {
		t.Errorf("--config with --seed 7: seed %d, batch %d; want 7 and the recorded 32", c.Seed, c.BatchSize)
	}
}
