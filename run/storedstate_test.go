package run

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "mnistgpu/cpu" // the device the runs train on
	"mnistgpu/engine"
)

// smallRun is a one-epoch MLP run on 300 images of the repository's MNIST
// subset, writing into dir.
func smallRun(t *testing.T, dir string) Config {
	t.Helper()
	cfg := Default()
	cfg.Model.Name, cfg.Epochs, cfg.Data.TrainLimit = "mlp", 1, 300
	cfg.Source = SourceConfig{Dir: filepath.Join("..", "testdata", "mnist-small"), NoVerify: true}
	cfg.Output.Dir = dir
	return cfg
}

// trainSmall trains smallRun into a new folder and returns the folder.
func trainSmall(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(smallRun(t, dir), Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// editStoredConfig rewrites the configuration inside dir's state file (a
// valid file, its checksums recomputed, as someone editing it with this
// engine would make).
func editStoredConfig(t *testing.T, dir string, edit func(*Config)) {
	t.Helper()
	path := filepath.Join(dir, StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		t.Fatal(err)
	}
	edit(&cfg)
	if ck.Config, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
}

// Paths read from a state never make a resume write outside the run's
// folder: a checkpoint template leading out is refused, naming the state
// file; final weights recorded outside it are written there only when
// --save-weights gives that path again. A stored setting that a new run
// would refuse is refused too.
func TestStoredPathsStayInTheRunFolder(t *testing.T) {
	dir := trainSmall(t)
	path := filepath.Join(dir, StateFile)
	var ve *ValueError
	editStoredConfig(t, dir, func(c *Config) { c.Callbacks.Checkpoint = ptr("../../x-{epoch}.safetensors") })
	if _, _, err := LoadResume(dir); !errors.As(err, &ve) || ve.Flag != "checkpoint" || !strings.Contains(err.Error(), path) {
		t.Errorf("a stored checkpoint template outside the folder: %v", err)
	}

	editStoredConfig(t, dir, func(c *Config) {
		c.Callbacks.Checkpoint = ptr("w-{epoch}.safetensors")
		c.Optimizer.Momentum = ptr(1.5)
	})
	if _, _, err := LoadResume(dir); !errors.As(err, &ve) || ve.Flag != "momentum" || !strings.Contains(err.Error(), path) {
		t.Errorf("a stored momentum of 1.5: %v", err)
	}

	outside := filepath.Join(t.TempDir(), "final.safetensors")
	editStoredConfig(t, dir, func(c *Config) { c.Optimizer.Momentum = nil; c.Output.SaveWeights = outside })
	if _, _, err := Resume(dir, map[string]string{"epochs": "2"}); !errors.As(err, &ve) || ve.Flag != "save-weights" || !strings.Contains(err.Error(), path) {
		t.Errorf("stored final weights outside the folder: %v", err)
	}
	if _, _, err := Resume(dir, map[string]string{"epochs": "2", "save-weights": outside}); err != nil {
		t.Errorf("final weights outside the folder, given again: %v", err)
	}
	editStoredConfig(t, dir, func(c *Config) { c.Output.SaveWeights = filepath.Join(dir, "mine.safetensors") })
	if _, _, err := Resume(dir, map[string]string{"epochs": "2"}); err != nil {
		t.Errorf("stored final weights inside the folder: %v", err)
	}
}

// A state that cannot be written (a full disk) leaves no history ahead of
// it: the epoch whose state failed is not in history.csv.
func TestHistoryIsNeverAheadOfTheState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// A folder where the state file goes: writing it fails as a full disk
	// would, after the history could have been written.
	if err := os.MkdirAll(filepath.Join(dir, StateFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(smallRun(t, dir), Options{}); err == nil {
		t.Fatal("training succeeded without writing its state")
	}
	for _, f := range []string{"history.csv", "history.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was written though the state of its epoch was not", f)
		}
	}
}

// --resume of a run that saved nothing (killed during its first epoch)
// says so and how to start it, instead of a raw stat error.
func TestResumeWithNothingSaved(t *testing.T) {
	dir := trainSmall(t)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != ConfigFile {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	var ve *ValueError
	_, _, err := LoadResume(dir)
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "nothing is saved yet") || !strings.Contains(err.Error(), "the same command without --resume") {
		t.Errorf("resume of a run with no state: %v", err)
	}
	if _, err := Train(smallRun(t, dir), Options{}); err != nil {
		t.Errorf("the same run started again: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nothing")
	if _, _, err := LoadResume(missing); !errors.As(err, &ve) || !strings.Contains(err.Error(), "no such folder") {
		t.Errorf("resume of a folder that does not exist: %v", err)
	}
}
