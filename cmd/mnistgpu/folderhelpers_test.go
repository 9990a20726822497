package main

import (
	"os"
	"path/filepath"
	"testing"
)

// makeStudyFolder makes studyDir a study's folder as far as a run or a
// study meeting it can tell: its study.json and its cells/, no cell yet.
func makeStudyFolder(t *testing.T, studyDir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(studyDir, "cells"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(studyDir, "study.json"), []byte(`{"name": "s"}`), 0o666); err != nil {
		t.Fatal(err)
	}
}

// trainWithCheckpointFolder trains a one-epoch run into out that saves
// each epoch's checkpoint in its folder's ckpt/.
func trainWithCheckpointFolder(t *testing.T, out string) {
	t.Helper()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out,
		"--checkpoint", "ckpt/{epoch}.safetensors", "--save-best-only=false"}, smallData...)...); err != nil {
		t.Fatal(err)
	}
}
