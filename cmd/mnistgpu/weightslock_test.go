package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A --save-weights path outside the run's folder is locked while its run
// lives: a second run aiming at it, or a --config rerun of the first
// given it again, is refused at start (exit 2, naming the holder's pid)
// instead of writing over the first's final weights with both result.json
// naming the file. Once the holder is SIGKILLed the path is free again:
// the next run takes over the lock file it left, and removes it as it ends.
func TestSaveWeightsPathHasOneWriter(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "shared", "w.safetensors")
	if err := os.Mkdir(filepath.Dir(weights), 0o777); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return append([]string{"train", "--model", "mlp", "--train-limit", "300", "--out", filepath.Join(dir, out), "--save-weights", weights}, smallData...)
	}
	first := startHolder(t, append(args("first"), "--epochs", "100000")...)
	pid := fmt.Sprintf("pid %d ", first.Process.Pid)
	for _, second := range [][]string{
		append(args("second"), "--epochs", "1"),
		{"train", "--config", filepath.Join(dir, "first", run.ConfigFile), "--out", filepath.Join(dir, "rerun"), "--save-weights", weights, "--epochs", "1", "--quiet"},
	} {
		err := cliRun(second...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), pid) || !strings.Contains(err.Error(), "--save-weights "+weights) {
			t.Errorf("%v while %s trains: %v", second[:len(second)-2], pid, err)
		}
	}
	for _, never := range []string{"second", "rerun"} {
		if _, err := os.Stat(filepath.Join(dir, never, run.ResultFile)); !os.IsNotExist(err) {
			t.Errorf("the refused run %s wrote its result: %v", never, err)
		}
	}
	kill(t, first)
	// The kernel let go of the lock; its file stays for the next run to take over.
	if _, err := os.Stat(filepath.Join(filepath.Dir(weights), ".w.safetensors"+run.LockFile)); err != nil {
		t.Fatalf("the killed holder left no lock file to test with: %v", err)
	}
	if err := cliRun(append(args("second"), "--epochs", "1")...); err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	entries, err := os.ReadDir(filepath.Dir(weights))
	if err != nil || len(entries) != 1 || entries[0].Name() != "w.safetensors" {
		t.Errorf("beside the weights after the run: %v, %v; want the weights alone (no lock left)", entries, err)
	}
}
