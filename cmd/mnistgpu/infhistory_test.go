package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// An infinite val_loss in a run's state (its last validation step's
// softmax gave a label probability 0) survives a resume: history.csv says
// inf after it, as before it, where the state's null read back as NaN made
// it say nan.
func TestInfiniteLossSurvivesAResume(t *testing.T) {
	out := t.TempDir()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--checkpoint", "", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(out, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(state)
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.ReadHistoryJSON(state, bytes.NewReader(ck.History))
	if err != nil {
		t.Fatal(err)
	}
	h.Logs[0]["val_loss"] = math.Inf(1)
	var raw bytes.Buffer
	if err := h.WriteJSON(&raw); err != nil {
		t.Fatal(err)
	}
	ck.History = raw.Bytes()
	if err := ck.Save(state); err != nil {
		t.Fatal(err)
	}
	if err := cliRun("train", "--resume", out, "--epochs", "2", "--quiet"); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(csv), "\n")
	col := slices.Index(strings.Split(lines[0], ","), "val_loss")
	if len(lines) < 3 || col < 0 {
		t.Fatalf("history.csv:\n%s", csv)
	}
	if v := strings.Split(lines[1], ",")[col]; v != "inf" {
		t.Errorf("epoch 1's val_loss after the resume is %q, want inf:\n%s", v, csv)
	}
}
