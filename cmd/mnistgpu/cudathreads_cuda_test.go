//go:build cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A --threads recorded by a run trained on the CPU goes unused where the
// run is resumed, or run again with --config, on --device cuda, and is said
// to in the one line auto's GPU has ("… is for the CPU: …, which has no
// worker threads, so it is not used"): it went with the device without a
// word. A study file's own "threads" under auto is said by --dry-run too.
func TestCUDASaysRecordedThreadsUnused(t *testing.T) {
	dir := t.TempDir()
	trained := filepath.Join(dir, "run")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "cpu", "--threads", "2", "--epochs", "1", "--train-limit", "200", "--out", trained}, smallData...)...); code != 0 {
		t.Fatal(stderr)
	}
	const said = "the recorded --threads 2 is for the CPU: --device cuda is a GPU, which has no worker threads, so it is not used"
	for _, args := range [][]string{
		// Before the resume, which records the run as trained on cuda.
		{"--config", filepath.Join(trained, run.ConfigFile), "--device", "cuda", "--out", filepath.Join(dir, "again")},
		{"--resume", trained, "--device", "cuda", "--epochs", "2"},
	} {
		_, stderr, code := output(t, append([]string{"train", "--quiet"}, args...)...)
		if code != 0 || strings.Count(stderr, "is for the CPU") != 1 || !strings.Contains(stderr, said) {
			t.Errorf("train %v: exit %d, %q; want the run on cuda, saying %q", args, code, stderr, said)
		}
	}
	// Recorded on cuda now: nothing recorded to say.
	if _, stderr, code := output(t, "train", "--quiet", "--resume", trained, "--device", "cuda", "--epochs", "3"); code != 0 || strings.Contains(stderr, "is for the CPU") {
		t.Errorf("a run recorded on cuda resumed there: exit %d, %q", code, stderr)
	}

	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1","0.01"]}],"seeds":[1],"fixed":{"model":"mlp","device":"auto","epochs":"1","train-limit":"200","threads":"2"}}`), 0o644)
	stdout, stderr, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, "study"), "--dry-run", "--data-dir", small, "--no-verify")
	if code != 0 || strings.Count(stderr, "is for the CPU") != 1 || !strings.Contains(stderr, `the study file's "threads": "2" is for the CPU: the cells' --device auto opens a GPU here`) {
		t.Errorf("study run --dry-run of a file's threads under auto: exit %d, %q %q", code, stderr, stdout)
	}
}
