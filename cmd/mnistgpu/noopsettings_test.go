package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// --split random or stratified without validation data chose no images and
// trained the weights of --split tail; it is refused since. A run recorded
// with it before resumes as it ran (nothing it could be told to change),
// and --config of it says what to give.
func TestRecordedSplitWithoutValidationResumes(t *testing.T) {
	dir := t.TempDir()
	oldState(t, dir, []string{"--validation-split", "0"}, "2", func(cfg map[string]any) {
		cfg["data"].(map[string]any)["split"] = "random"
	})
	if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "old", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than --split tail's")
	}
	_, stderr, code := output(t, "train", "--config", filepath.Join(dir, "old", run.ConfigFile), "--out", filepath.Join(dir, "new"))
	if code != 2 || !strings.Contains(stderr, "--split tail") {
		t.Errorf("--config of it: exit %d, want 2 saying what to give: %s", code, stderr)
	}
	if _, stderr, code := output(t, "train", "--config", filepath.Join(dir, "old", run.ConfigFile), "--out", filepath.Join(dir, "new"), "--split", "tail"); code != 0 {
		t.Errorf("--config of it with --split tail: exit %d: %s", code, stderr)
	}
}
