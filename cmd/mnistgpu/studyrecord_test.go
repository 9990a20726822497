package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A study run again in its folder continues with the epochs it recorded, as
// a run's --resume does: MNISTGPU_EPOCHS and the flag's default are
// defaults, which the record wins over. Before, the epochs an exported
// MNISTGPU_EPOCHS gave were not recorded, so the next run without it
// extended the cells to the default, and one with another value extended
// them to it; a study trained with --epochs 4 was refused when run again
// without the flag.
func TestStudyRunAgainKeepsItsEpochs(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"model":"mlp","optimizer":"sgd","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	trained := func() int {
		t.Helper()
		return len(historyOf(t, filepath.Join(out, "cells", "lr=0.1,seed=1")).Epochs)
	}
	studyRun := func(env string, args ...string) {
		t.Helper()
		t.Setenv("MNISTGPU_EPOCHS", env)
		if env == "" {
			os.Unsetenv("MNISTGPU_EPOCHS")
		}
		args = append([]string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify", "--threads", "1"}, args...)
		if err := cliRun(args...); err != nil {
			t.Fatalf("MNISTGPU_EPOCHS=%q study run %v: %v", env, args[3:], err)
		}
	}
	studyRun("2")
	if n := trained(); n != 2 {
		t.Fatalf("MNISTGPU_EPOCHS=2: the cell trained %d epochs", n)
	}
	for _, env := range []string{"", "5"} {
		studyRun(env)
		if n := trained(); n != 2 {
			t.Errorf("run again with MNISTGPU_EPOCHS=%q: the cell has %d epochs, want the recorded 2", env, n)
		}
	}
	// An earlier version's record: study.json without the epochs, which
	// the cells' config.json still hold.
	record := filepath.Join(out, "study.json")
	raw, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	delete(f["fixed"].(map[string]any), "epochs")
	raw, _ = json.Marshal(f)
	os.WriteFile(record, raw, 0o644)
	for _, env := range []string{"5", ""} {
		studyRun(env)
		if n := trained(); n != 2 {
			t.Errorf("an earlier version's study.json, run again with MNISTGPU_EPOCHS=%q: the cell has %d epochs, want its cells' 2", env, n)
		}
	}
	studyRun("", "--epochs", "3") // a typed --epochs extends it
	if n := trained(); n != 3 {
		t.Fatalf("--epochs 3: the cell has %d epochs", n)
	}
	studyRun("") // and the next run keeps 3 (it was refused: "epochs: 3 there, 2 asked for")
	if n := trained(); n != 3 {
		t.Errorf("run again after --epochs 3: the cell has %d epochs", n)
	}
}
