package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A run its --max-steps cut within an epoch counts in result.json, and in
// its summary, the epochs that ended, as its history files do, and the cut
// one's steps beside them: "epochs": 1, "cut_epoch_steps": 4, "Trained 1
// epoch and 4 steps of epoch 2 (12 steps this run)". It said "epochs": 2
// and "Trained 2 epochs (2 this run)" of a run whose history.csv held one
// epoch. A result.json of that earlier version is read as this one writes
// it, from the state or, without one, from metrics.jsonl's cut record: a
// resume says "nothing to do" of it as before.
func TestResultCountsWholeEpochs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cut")
	// 512 training images in batches of 64: 8 steps an epoch; 12 stop at
	// step 4 of epoch 2.
	stdout, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "3", "--train-limit", "640", "--max-steps", "12", "--out", out}, smallData...)...)
	if code != 0 || !strings.Contains(stdout, "Trained 1 epoch and 4 steps of epoch 2 (12 steps this run) in ") ||
		!strings.Contains(stderr, "Epoch 2: step budget spent (--max-steps 12), before the 3 epochs planned") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var raw map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(out, run.ResultFile)), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["epochs"] != 1.0 || raw["cut_epoch_steps"] != 4.0 || raw["steps"] != 12.0 || raw["stopped"] != "max_steps" {
		t.Fatalf("result.json %v, want 1 epoch, 4 cut steps, 12 steps", raw)
	}
	if h := historyOf(t, out); len(h.Logs) != 1 {
		t.Fatalf("history.json holds %d epochs, result.json 1", len(h.Logs))
	}
	nothing := "nothing to do: " + out + " stopped in epoch 2 of 3, after its step 4, at its step budget (--max-steps 12)"
	if _, stderr, code := output(t, "train", "--resume", out, "--quiet"); code != 0 || !strings.Contains(stderr, nothing) {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}

	// The earlier version's file: the cut epoch among "epochs", no
	// cut_epoch_steps.
	raw["epochs"] = 2.0
	delete(raw, "cut_epoch_steps")
	earlier, _ := json.MarshalIndent(raw, "", "  ")
	if err := os.WriteFile(filepath.Join(out, run.ResultFile), earlier, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != 4 || r.LastEpoch() != 2 {
		t.Errorf("earlier result.json read as %+v, want 1 epoch and 4 steps of epoch 2", r)
	}
	if _, stderr, code := output(t, "train", "--resume", out, "--quiet"); code != 0 || !strings.Contains(stderr, nothing) {
		t.Errorf("resume of an earlier result.json: exit %d\n%s", code, stderr)
	}
	if string(mustRead(t, filepath.Join(out, run.ResultFile))) != string(earlier) {
		t.Error("a resume with nothing to do rewrote the earlier result.json")
	}
	// Its state removed (to save space): metrics.jsonl's cut record.
	bare := filepath.Join(t.TempDir(), "bare")
	if err := exec.Command("cp", "-r", out, bare).Run(); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(bare, run.StateFile))
	if r := readResult(t, bare); r.Epochs != 1 || r.CutSteps != 4 {
		t.Errorf("earlier result.json without a state read as %+v, want 1 epoch and 4 steps of epoch 2", r)
	}
	// A budget spent at an epoch's end, in either version, is as it reads.
	whole := filepath.Join(t.TempDir(), "whole")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "3", "--train-limit", "640", "--max-steps", "16", "--out", whole}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, whole); r.Epochs != 2 || r.CutSteps != 0 || r.Stopped != "max_steps" || strings.Contains(string(mustRead(t, filepath.Join(whole, run.ResultFile))), "cut_epoch_steps") {
		t.Errorf("budget spent at epoch 2's end: %+v", r)
	}
}
