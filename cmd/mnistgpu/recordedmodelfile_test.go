package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A model file whose Dropout has no "rate", whose Activation has no
// "activation", or with an "alpha" beside another activation than
// leaky_relu is refused since those layers did nothing asked. A run, and a
// study's cell, recorded with such a file before goes on as it ran, its
// layers built as then: the resume ends with the weights of the same run
// never stopped, written out in full. A new run or study of the file, and
// --config of the run, are refused.
func TestRecordedModelFileGoesOnAsItRan(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	write := func(hidden string) {
		src := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},` + hidden + `,{"type":"Dense","units":10,"activation":"softmax"}]}`
		if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The file as written now, and as an earlier version accepted it: the
	// same network.
	written := `{"type":"Dense","units":16,"activation":"relu"},{"type":"Activation","activation":"linear"},{"type":"Dropout","rate":0}`
	earlier := `{"type":"Dense","units":16,"activation":"relu","alpha":0.1},{"type":"Activation"},{"type":"Dropout"}`
	train := func(out, epochs string, more ...string) []string {
		a := append([]string{"train", "--model", model, "--epochs", epochs, "--train-limit", "300", "--out", filepath.Join(dir, out)}, more...)
		return append(a, smallData...)
	}
	study := filepath.Join(dir, "s.json")
	body := `{"name":"s","axes":[{"name":"lr","values":["0.01"]}],"seeds":[1],"fixed":{"epochs":"1","model":"` + model + `","train-limit":"200"}}`
	if err := os.WriteFile(study, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	studyRun := func(out string, more ...string) []string {
		return append([]string{"study", "run", study, "--out", filepath.Join(dir, out), "--data-dir", small, "--no-verify", "--threads", "1"}, more...)
	}
	write(written)
	for _, a := range [][]string{train("whole", "2"), train("old", "1"), studyRun("study")} {
		if _, stderr, code := output(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, stderr)
		}
	}
	write(earlier)
	recordSlope(t, filepath.Join(dir, "old", run.StateFile))
	recordSlope(t, filepath.Join(dir, "study", "cells", "lr=0.01,seed=1", run.StateFile))
	if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !reflect.DeepEqual(readWeights(t, filepath.Join(dir, "old", run.FinalFile)), readWeights(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than the same run never stopped")
	}
	if _, stderr, code := output(t, studyRun("study", "--epochs", "2")...); code != 0 {
		t.Fatalf("the recorded study continued: exit %d: %s", code, stderr)
	}
	cfg, err := run.ReadConfigFile(filepath.Join(dir, "study", "cells", "lr=0.01,seed=1", run.ConfigFile))
	if err != nil || cfg.Epochs != 2 {
		t.Errorf("its cell's config.json: %+v, %v; want 2 epochs trained", cfg.Epochs, err)
	}
	rerun := []string{"train", "--config", filepath.Join(dir, "old", run.ConfigFile), "--out", filepath.Join(dir, "rerun")}
	for _, a := range [][]string{train("new", "1"), studyRun("newstudy"), rerun} {
		_, stderr, code := output(t, a...)
		if code != 2 || !strings.Contains(stderr, `layer 2 (Dense): "alpha" is the slope of leaky_relu`) {
			t.Errorf("%v: exit %d, want 2 naming the layer: %s", a[:2], code, stderr)
		}
	}
}

// recordSlope writes into the state at path the network an earlier version
// recorded from the earlier file: its Dense layer keeps the "alpha" it was
// given (unread by relu).
func recordSlope(t *testing.T, path string) {
	t.Helper()
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	dense := cfg["model_spec"].(map[string]any)["layers"].([]any)[1].(map[string]any)
	dense["alpha"] = 0.1
	if ck.Config, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
}
