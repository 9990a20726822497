package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A word given to a command that takes no arguments is refused (exit 2)
// before anything runs, and after a switch the error says how a switch
// takes its value: `--shuffle false` trained with shuffling and
// `--save-best-only false` kept only the best checkpoints (see also
// TestExtraArgumentsAreRefused).
func TestStrayArgumentsAreRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"train", "--model", "mlp", "--shuffle", "false", "--out", out}, `unexpected argument "false" (it takes no arguments, only flags): --shuffle is a switch, which takes a value only as --shuffle=false`},
		{[]string{"train", "--save-best-only", "false", "--model", "mlp", "--out", out}, "--save-best-only=false"},
		{[]string{"train", "--out", out, "--", "--lr", "5"}, `train: unexpected argument "--lr"`},
		{[]string{"train", "stray", "--out", out}, `"stray"`},
		{[]string{"evaluate", "--weights", "w.safetensors", "extra"}, `evaluate: unexpected argument "extra"`},
		{[]string{"summary", "--model", "mlp", "cnn"}, `"cnn"`},
		{[]string{"data", "where", "elsewhere"}, `data where: unexpected argument "elsewhere"`},
		{[]string{"version", "--verbose"}, ""}, // an unknown flag, as before
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %v, want exit 2 saying %q", c.args, err, c.says)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
	if err := cliRun("help", "train"); err != nil {
		t.Errorf("help train: %v", err)
	}
}

// An empty --resume or --config (an unset shell variable) is refused: it
// was taken for none, and a new run with the defaults trained into
// runs/latest.
func TestEmptyResumeOrConfigIsRefused(t *testing.T) {
	dir := t.TempDir()
	data, _ := filepath.Abs(small)
	for _, name := range []string{"resume", "config"} {
		out, code := commandIn(t, dir, "train", "--"+name, "", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--data-dir", data, "--no-verify")
		if code != 2 || !strings.Contains(out, "--"+name+` ""`) {
			t.Errorf("--%s \"\": exit %d, want 2 naming it\n%s", name, code, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused commands wrote %v", entries)
	}
}

// A text flag given as "" (--init-weights "$W" with W unset) is refused by
// name: it read as not given, and the run trained from random weights, on
// the default data, with the default loss. --checkpoint "" turns
// checkpoints off, as documented, and an empty environment variable is
// not set.
func TestEmptyValuesAreRefused(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	args := []string{"train", "--model", "mlp", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "run")}
	for _, flag := range []string{"init-weights", "data-dir", "loss", "activation", "lr-schedule", "monitor", "save-weights"} {
		data := []string{"--data-dir", nowhere}
		if flag == "data-dir" {
			data = nil // given once: as ""
		}
		err := cliRun(append(append(args, data...), "--"+flag, "")...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--"+flag+` "" is empty`) {
			t.Errorf("--%s \"\": %v, want exit 2 naming it", flag, err)
		}
	}
	// These reach the data, which is not there.
	if err := cliRun(append(args, "--data-dir", nowhere, "--checkpoint", "")...); err == nil || !strings.Contains(err.Error(), nowhere) {
		t.Errorf(`--checkpoint "": %v, want the missing data's error`, err)
	}
	t.Setenv("MNISTGPU_MODEL", "")
	if err := cliRun(append(args, "--data-dir", nowhere)...); err == nil || !strings.Contains(err.Error(), nowhere) {
		t.Errorf(`MNISTGPU_MODEL="": %v, want the missing data's error`, err)
	}
	// `study run "$STUDY"` with STUDY unset ran the report's default study.
	study := filepath.Join(t.TempDir(), "study")
	err := cliRun("study", "run", "", "--out", study, "--dry-run", "--data-dir", nowhere)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `the study file given is ""`) {
		t.Errorf(`study run "": %v, want exit 2 naming it`, err)
	}
	// study report "$DIR" and study merge "$A" "$B" with a variable unset
	// said "mnistgpu:  is no study folder" (exit 2 and 1), naming nothing.
	if err := cliRun("study", "report", ""); exitCode(err) != 2 || !strings.Contains(err.Error(), `the study folder given is ""`) {
		t.Errorf(`study report "": %v, want exit 2 naming it`, err)
	}
	if err := cliRun("study", "merge", "--out", study, nowhere, ""); exitCode(err) != 2 || !strings.Contains(err.Error(), `shard folder 2 given is ""`) {
		t.Errorf(`study merge A "": %v, want exit 2 naming it`, err)
	}
}

// Beside --config, "" clears a recorded setting whose "" means none: the
// old way to drop a run's schedule (--lr-schedule "") was refused as empty,
// and the schedule could not be dropped at all. "" where it would mean a
// default (--loss) is still refused.
func TestConfigSettingClearedByEmpty(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200"}, smallData...)
	if err := cliRun(append(args, "--lr-schedule", "values:0.01", "--out", first)...); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(first, run.ConfigFile)
	if err := cliRun("train", "--config", file, "--loss", "", "--out", second); exitCode(err) != 2 || !strings.Contains(err.Error(), `--loss "" is empty`) {
		t.Errorf(`--config with --loss "": %v, want exit 2`, err)
	}
	if err := cliRun("train", "--config", file, "--lr-schedule", "", "--init-weights", "", "--out", second, "--quiet"); err != nil {
		t.Fatal(err)
	}
	cfg, err := run.ReadConfigFile(filepath.Join(second, run.ConfigFile))
	if err != nil || cfg.Optimizer.Schedule != "" || cfg.Model.InitWeights != "" {
		t.Errorf(`--config with --lr-schedule "": schedule %q, init weights %q (%v); want both cleared`, cfg.Optimizer.Schedule, cfg.Model.InitWeights, err)
	}
}

// A stray word after a switch that no switch takes (`--quiet myrun`) gets
// no hint that it was the switch's value: "--quiet is a switch, which takes
// a value only as --quiet=myrun" offered a value --quiet cannot take.
func TestStrayWordAfterSwitchGetsNoSwitchHint(t *testing.T) {
	err := cliRun("train", "--model", "mlp", "--quiet", "myrun", "--out", filepath.Join(t.TempDir(), "run"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `unexpected argument "myrun"`) || strings.Contains(err.Error(), "switch") {
		t.Errorf("--quiet myrun: %v, want exit 2 naming the word without a switch's hint", err)
	}
}
