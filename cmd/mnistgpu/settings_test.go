package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A value given is used as given (a weight decay of 0 is 0, not AdamW's
// default), and config.json, result.json and the first log line say what
// ran.
func TestGivenValuesAreUsedAndRecorded(t *testing.T) {
	dir := t.TempDir()
	short := append([]string{"--model", "mlp", "--epochs", "1", "--train-limit", "300", "--optimizer", "adamw"}, smallData...)
	train := func(name string, extra ...string) (string, []byte) {
		out := filepath.Join(dir, name)
		_, stderr, code := output(t, append(append([]string{"train", "--out", out}, short...), extra...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		return stderr, mustRead(t, filepath.Join(out, run.FinalFile))
	}
	log0, w0 := train("wd0", "--weight-decay", "0")
	_, wDefault := train("default")
	_, w004 := train("wd004", "--weight-decay", "0.004")
	if bytes.Equal(w0, wDefault) || !bytes.Equal(w004, wDefault) {
		t.Error("--weight-decay 0 trained like the default 0.004, or 0.004 unlike it")
	}
	if !strings.Contains(log0, "adamw lr=0.001 weight_decay=0 epsilon=1e-07") {
		t.Errorf("first log line does not give the effective values: %s", log0)
	}
	var cfg struct {
		Optimizer map[string]any `json:"optimizer"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "wd0", run.ConfigFile)), &cfg); err != nil {
		t.Fatal(err)
	}
	r := readResult(t, filepath.Join(dir, "wd0"))
	if o := cfg.Optimizer; o["lr"] != 0.001 || o["weight_decay"] != 0.0 || o["epsilon"] != 1e-7 || o["momentum"] != nil {
		t.Errorf("config.json optimizer %v", o)
	}
	if o := r.Optimizer; o.Describe() != "adamw lr=0.001 weight_decay=0 epsilon=1e-07" {
		t.Errorf("result.json optimizer %s", o.Describe())
	}
}

// Settings that cannot run as given are refused before anything is
// written, by name, with exit code 2.
func TestSettingsThatDoNotApplyAreRefused(t *testing.T) {
	finished := t.TempDir()
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--out", finished}, smallData...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--lr", "0"}, "--lr must be positive"},
		{[]string{"--momentum", "NaN", "--optimizer", "sgd"}, "--momentum must be a finite number"},
		{[]string{"--momentum", "0.9"}, "--momentum applies only to --optimizer sgd"},
		{[]string{"--nesterov"}, "--nesterov applies only to --optimizer sgd"},
		{[]string{"--weight-decay", "0.01", "--optimizer", "adam"}, "--weight-decay applies only to --optimizer adamw"},
		{[]string{"--validation-split", "0", "--monitor", "val_loss"}, "--monitor val_loss needs validation data"},
		{[]string{"--resume", finished, "--overwrite"}, "--overwrite with --resume"},
	} {
		out := t.TempDir()
		_, stderr, code := output(t, append(append([]string{"train", "--model", "mlp", "--out", out}, smallData...), c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.says) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line with %q", c.args, code, stderr, c.says)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%v: wrote %v before refusing", c.args, entries)
		}
	}
}

// A run without validation data monitors loss, as Keras does, names its
// checkpoints by loss, and says so.
func TestNoValidationDataMonitorsLoss(t *testing.T) {
	out := t.TempDir()
	_, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "200",
		"--validation-split", "0", "--early-stopping", "3", "--out", out}, smallData...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "0 validation images, monitoring loss (no validation data)") {
		t.Errorf("the log does not say what it monitors: %s", stderr)
	}
	if ckpts, _ := filepath.Glob(filepath.Join(out, "weights0.*.safetensors")); len(ckpts) == 0 {
		t.Error("no checkpoint named by loss")
	}
	if r := readResult(t, out); r.BestMonitor != "loss" {
		t.Errorf("best checkpoint by %q, want loss", r.BestMonitor)
	}
}

// A state file written before unset hyper-parameters had their own state
// records 0 for "Keras's default" (and the ones its optimizer ignored); it
// resumes with the values it trained with, bit for bit.
func TestStateRecordedWithZeroDefaultsResumes(t *testing.T) {
	dir := t.TempDir()
	oldState(t, dir, []string{"--optimizer", "adamw"}, "2", func(cfg map[string]any) {
		cfg["optimizer"] = map[string]any{"name": "adamw", "lr": 0, "momentum": 0, "nesterov": false, "weight_decay": 0, "lr_schedule": ""}
	})
	_, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--quiet")
	if code != 0 || !strings.Contains(stderr, "adamw lr=0.001 weight_decay=0.004 epsilon=1e-07") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "old", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed old state ends with other weights than the uninterrupted run")
	}
}

// A run recorded with --reduce-lr-on-plateau beside --lr-schedule (before
// the pair was refused) could not be resumed at all: the refusal said to
// use one of them, and neither may change on resume. It goes on as it ran,
// saying so; each reduction is undone by the schedule before the next
// epoch, so its weights are those of the schedule alone.
func TestRecordedPlateauUnderScheduleResumes(t *testing.T) {
	dir := t.TempDir()
	oldState(t, dir, []string{"--lr-schedule", "values:0.01,0.005,0.002"}, "3", func(cfg map[string]any) {
		cfg["callbacks"].(map[string]any)["reduce_lr_on_plateau"] = 1
	})
	_, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "3", "--quiet")
	if code != 0 || !strings.Contains(stderr, "it goes on as it ran") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "old", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than the schedule's alone")
	}
	_, stderr, code = output(t, "train", "--config", filepath.Join(dir, "old", run.ConfigFile), "--out", filepath.Join(dir, "new"))
	if code != 2 || !strings.Contains(stderr, "--reduce-lr-on-plateau 0") {
		t.Errorf("--config of it: exit %d, want 2 saying what to give: %s", code, stderr)
	}
}

// oldState trains an mlp with flags into dir/whole for epochs and into
// dir/old for one epoch, then edits the settings old's state records as
// an earlier version wrote them.
func oldState(t *testing.T, dir string, flags []string, epochs string, edit func(cfg map[string]any)) {
	t.Helper()
	args := func(out, epochs string) []string {
		a := append([]string{"train", "--model", "mlp", "--epochs", epochs, "--train-limit", "300", "--out", filepath.Join(dir, out)}, flags...)
		return append(a, smallData...)
	}
	for _, a := range [][]string{args("whole", epochs), args("old", "1")} {
		if _, stderr, code := output(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, stderr)
		}
	}
	state := filepath.Join(dir, "old", run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(state)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	if ck.Config, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := ck.Save(state); err != nil {
		t.Fatal(err)
	}
}

// A value that looks like a flag is the value of the flag before it, as
// the parser reads it: `--checkpoint -seed` names the checkpoint "-seed".
// It was also taken for a --seed typed, whose default 1 replaced the seed
// the --config file records: the rerun trained with another seed.
func TestValueLikeAFlagIsNotTyped(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--seed", "7"}, smallData...)
	if _, stderr, code := output(t, append(args, "--out", first)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	again := filepath.Join(dir, "again")
	if _, stderr, code := output(t, "train", "--config", filepath.Join(first, run.ConfigFile), "--out", again, "--checkpoint", "-seed", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cfg, err := run.ReadConfigFile(filepath.Join(again, run.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Seed != 7 || cfg.Callbacks.Checkpoint == nil || *cfg.Callbacks.Checkpoint != "-seed" {
		t.Errorf("--config of a seed-7 run with --checkpoint -seed: seed %d, checkpoint %v; want the recorded 7 and \"-seed\"", cfg.Seed, cfg.Callbacks.Checkpoint)
	}
}
