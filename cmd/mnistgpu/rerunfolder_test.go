package main

import (
	"os"
	"path/filepath"
	"testing"
)

// make train (--overwrite) again and again into one folder, after a run of
// it saved its weights there (--save-weights runs/cnn/w.safetensors): the
// second run kept the first's weights, which its own record no longer
// named, so the third was refused as a folder holding files no run writes
// (w.safetensors), a file the tool itself had written. --overwrite now
// removes the recorded run's --save-weights inside the folder, as it
// removes that run's checkpoints: both are its files (README).
func TestOverwriteAfterSaveWeightsIntoTheRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cnn")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out, "--overwrite"}, smallData...)
	w := filepath.Join(out, "w.safetensors")
	if err := cliRun(append(args, "--save-weights", w)...); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		if err := cliRun(args...); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if _, err := os.Stat(w); err == nil {
			t.Errorf("run %d kept the replaced run's --save-weights %s", i, w)
		}
	}
}
