package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStudyFolderRemovedWhileItRuns: `rm -rf` of a study's folder while a
// real `study run` trains its first cell (a shard's folder on a cluster
// node, removed by a cleanup) fails the study, naming the folder, and
// leaves nothing under its name. The study made the folder again, without
// its study.json, for the failed cell's failed.txt and each later cell,
// trained those for nothing and failed at the end on a missing study.json.
func TestStudyFolderRemovedWhileItRuns(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "study.json")
	os.WriteFile(spec, []byte(`{"name": "gone", "axes": [{"name": "optimizer", "values": ["sgd", "adam"]}], "seeds": [1],
  "fixed": {"model": "mlp", "epochs": "6", "train-limit": "1000", "batch-size": "8", "lr": "0.01"}}`), 0o644)
	out := filepath.Join(dir, "study")
	cmd := command("study", "run", spec, "--out", out, "--jobs", "1", "--data-dir", small, "--no-verify")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once the first cell has finished an epoch (it has 6).
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if h, _ := filepath.Glob(filepath.Join(out, "cells", "*", "history.json")); len(h) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no cell finished an epoch within a minute:\n%s", stderr.String())
		}
	}
	removeWhileWritten(t, out)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(stderr.String(), out+", the study's folder, was removed or moved") {
		t.Fatalf("exit %d, want a failure naming the removed folder:\n%s", code, stderr.String())
	}
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		var left []string
		filepath.Walk(out, func(p string, _ os.FileInfo, _ error) error { left = append(left, p); return nil })
		t.Errorf("the study wrote under its removed folder's name: %v", left)
	}
}

// removeWhileWritten removes dir as `rm -rf` does while the study still
// writes in it: a file the training cell writes between RemoveAll's
// listing of a folder and its removal of that folder fails the removal
// ("directory not empty"), as it would fail rm. Each retry removes what
// was written since; once dir is gone the study's writes under it fail,
// so the retries end as soon as the study stops writing there. Whatever
// the study makes again after that is left for the caller to find.
func removeWhileWritten(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still could not be removed after 30 s: %v", dir, err)
		}
		time.Sleep(time.Millisecond)
	}
}
