package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestMissingBestCheckpointIsSaid: a best checkpoint removed before the run
// ends (here between a run's last state and its result, which --resume
// then writes) was dropped from the summary and result.json without a
// word, as if the run had none. It is said missing, by name, with the
// value it scored, and result.json names it as best_checkpoint_missing,
// with no best_checkpoint and no test numbers of weights nobody evaluated.
func TestMissingBestCheckpointIsSaid(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "300", "--out", out}, smallData...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before := readResult(t, out)
	if before.BestCheckpoint == "" {
		t.Fatal("the run recorded no best checkpoint to remove")
	}
	os.Remove(filepath.Join(out, before.BestCheckpoint))
	os.Remove(filepath.Join(out, run.ResultFile))
	stdout, stderr, code := output(t, "train", "--resume", out, "--quiet")
	if code != 0 {
		t.Fatalf("--resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "best checkpoint: "+filepath.Join(out, before.BestCheckpoint)+"  (val_loss ") || !strings.Contains(stdout, "missing: removed since it was saved") {
		t.Errorf("the summary does not say %s is missing:\n%s", before.BestCheckpoint, stdout)
	}
	after := readResult(t, out)
	if after.BestCheckpoint != "" || after.BestMissing != before.BestCheckpoint || after.BestTestAccuracy != 0 || after.BestTestLoss != 0 ||
		after.BestMonitor != before.BestMonitor || after.BestValue != before.BestValue {
		t.Errorf("result.json's best: %q missing %q, test %g/%g, %s %g; want only %q missing, with %s %g",
			after.BestCheckpoint, after.BestMissing, after.BestTestLoss, after.BestTestAccuracy, after.BestMonitor, after.BestValue,
			before.BestCheckpoint, before.BestMonitor, before.BestValue)
	}
}
