package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// Only a machine setting's variable (device, TF32, threads, data location)
// reaches a recorded run, on --resume and --config alike; any other is a
// default the record wins over: MNISTGPU_EPOCHS=1 refused a resume of a
// 2-epoch run naming an --epochs nobody typed, and MNISTGPU_EPOCHS=3
// extended it in silence. A refused value that a variable gave names it.
func TestMachineVariablesReachARecordedRun(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300"}, smallData...)
	if err := cliRun(append(args, "--epochs", "2", "--out", first)...); err != nil {
		t.Fatal(err)
	}
	for _, epochs := range []string{"1", "3"} {
		t.Setenv("MNISTGPU_EPOCHS", epochs)
		if err := cliRun("train", "--resume", first, "--quiet"); err != nil {
			t.Errorf("--resume with MNISTGPU_EPOCHS=%s exported: %v, want the recorded run's nothing to do", epochs, err)
		}
	}
	if r, err := run.ReadResult(first); err != nil || r.Epochs != 2 {
		t.Errorf("after resumes with MNISTGPU_EPOCHS exported: %+v, %v; want the 2 epochs trained", r, err)
	}
	os.Unsetenv("MNISTGPU_EPOCHS")
	t.Setenv("MNISTGPU_THREADS", "-1")
	for _, cmd := range [][]string{
		{"train", "--resume", first, "--epochs", "3", "--quiet"},
		{"train", "--config", filepath.Join(first, run.ConfigFile), "--out", filepath.Join(dir, "again"), "--quiet"},
		append(args, "--out", filepath.Join(dir, "new")),
	} {
		err := cliRun(cmd...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "MNISTGPU_THREADS=-1") {
			t.Errorf("%v with MNISTGPU_THREADS=-1: %v; want exit 2 naming the variable", cmd[1:3], err)
		}
	}
	os.Unsetenv("MNISTGPU_THREADS")
	t.Setenv("MNISTGPU_EPOCHS", "0")
	if err := cliRun(append(args, "--out", filepath.Join(dir, "new"))...); exitCode(err) != 2 || !strings.Contains(err.Error(), "MNISTGPU_EPOCHS=0") {
		t.Errorf("a new run with MNISTGPU_EPOCHS=0: %v; want exit 2 naming the variable", err)
	}
}

// MNISTGPU_OUT names a --config rerun's folder, as --out does: the
// recorded folder was used instead, and with --overwrite the first run was
// replaced.
func TestOutVariableNamesAConfigRerunsFolder(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", first}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(first, "final.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again")
	t.Setenv("MNISTGPU_OUT", again)
	if err := cliRun("train", "--config", filepath.Join(first, run.ConfigFile), "--seed", "9", "--overwrite", "--quiet"); err != nil {
		t.Fatalf("--config with MNISTGPU_OUT exported: %v", err)
	}
	if _, err := os.Stat(filepath.Join(again, "final.safetensors")); err != nil {
		t.Errorf("the rerun did not go to MNISTGPU_OUT: %v", err)
	}
	if after, err := os.ReadFile(filepath.Join(first, "final.safetensors")); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the first run's weights changed (%v)", err)
	}
}

// bench's --threads reads MNISTGPU_THREADS, as every --threads does (it
// measured at GOMAXPROCS threads with the variable exported, and its
// --help named no variable), the command line over it; a refused value of
// it, or of MNISTGPU_BATCH_SIZE, names the variable.
func TestBenchReadsTheThreadsVariable(t *testing.T) {
	bench := []string{"bench", "--device", "cpu", "--model", "mlp", "--steps", "1", "--runs", "1", "--warmup", "0", "--format", "json"}
	threads := func(args ...string) int {
		t.Helper()
		stdout, stderr, code := output(t, append(bench, args...)...)
		var r benchResult
		if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
			t.Fatalf("%v: exit %d: %s %s", args, code, stdout, stderr)
		}
		return r.Threads
	}
	t.Setenv("MNISTGPU_THREADS", "3")
	if n := threads(); n != 3 {
		t.Errorf("MNISTGPU_THREADS=3: bench measured at %d threads", n)
	}
	if n := threads("--threads", "1"); n != 1 {
		t.Errorf("MNISTGPU_THREADS=3 and --threads 1: bench measured at %d threads", n)
	}
	for _, env := range [][2]string{{"MNISTGPU_THREADS", "-1"}, {"MNISTGPU_BATCH_SIZE", "0"}} {
		os.Unsetenv("MNISTGPU_THREADS")
		t.Setenv(env[0], env[1])
		if err := cliRun(bench...); exitCode(err) != 2 || !strings.Contains(err.Error(), env[0]+"="+env[1]) {
			t.Errorf("bench with %s=%s: %v; want exit 2 naming the variable", env[0], env[1], err)
		}
	}
}
