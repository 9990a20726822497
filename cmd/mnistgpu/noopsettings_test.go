package main

import (
	"bytes"
	"os"
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

// --restore-best-weights restores only when early stopping stops the run
// (Keras 2's EarlyStopping): a run that trained all its epochs, or spent
// its step budget, ended with the last epoch's weights under a flag that
// said it would end with the best's, without a word. It is said in one line.
func TestBestWeightsNotRestoredIsSaid(t *testing.T) {
	dir := t.TempDir()
	// val_accuracy watched for its minimum: epoch 1's is the best.
	watch := []string{"train", "--model", "mlp", "--early-stopping", "5", "--restore-best-weights", "--monitor", "val_accuracy", "--mode", "min"}
	for _, c := range []struct {
		flags []string
		says  string
	}{
		{[]string{"--epochs", "3"}, "(its 3 epochs all trained), so it ends with the weights of its last epoch, 3, not of its best, 1, val_accuracy"},
		{[]string{"--epochs", "3", "--max-steps", "40"}, "(it stopped at its step budget, --max-steps 40), so it ends with the weights of its last epoch, 2, not of its best, 1"},
	} {
		args := append(append(append([]string{}, watch...), c.flags...), append([]string{"--out", filepath.Join(dir, c.flags[len(c.flags)-1])}, smallData...)...)
		_, stderr, code := output(t, args...)
		if code != 0 || !strings.Contains(stderr, "--restore-best-weights: early stopping did not stop the run "+c.says) {
			t.Errorf("%v: exit %d, want the line saying %q: %s", c.flags, code, c.says, stderr)
		}
	}
	args := append([]string{"train", "--model", "mlp", "--epochs", "4", "--early-stopping", "1", "--restore-best-weights", "--monitor", "val_accuracy", "--mode", "min",
		"--out", filepath.Join(dir, "stopped")}, smallData...)
	_, stderr, code := output(t, args...)
	if code != 0 || !strings.Contains(stderr, "Restoring model weights from the end of the best epoch: 1.") || strings.Contains(stderr, "did not stop") {
		t.Errorf("a run early stopping stopped: exit %d, want its weights restored and no line: %s", code, stderr)
	}
}

// A --train-limit above the training images trained on all of them and
// recorded the limit; it is refused once the data is loaded, before the
// run's folder is made.
func TestTrainLimitAboveTheDataIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	_, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--train-limit", "2001", "--out", out}, smallData...)...)
	if code != 2 || !strings.Contains(stderr, "--train-limit 2001 is more than the 2000 training images of the data dir") {
		t.Errorf("exit %d, want 2 naming the images there are: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run left its folder: %v", err)
	}
}

// A --batch-size above the training images makes each epoch one step of
// all of them, as Keras does; the model line prints the batch size given,
// so one line says so.
func TestBatchAboveTheTrainingSetIsSaid(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		batch string
		said  bool
	}{{"301", true}, {"300", false}} {
		_, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--validation-split", "0",
			"--batch-size", c.batch, "--out", filepath.Join(dir, c.batch)}, smallData...)...)
		line := "--batch-size " + c.batch + " is more than the 300 training images: each epoch is one step of all 300"
		if code != 0 || strings.Contains(stderr, line) != c.said {
			t.Errorf("--batch-size %s: exit %d, want the line %v: %s", c.batch, code, c.said, stderr)
		}
	}
}

// --max-steps that ends a run before its --epochs was said only in
// result.json ("stopped": "max_steps"); the summary read "Trained 2
// epochs" of a run asked for 4, the second cut short. One line says so,
// as early stopping's does; a budget the epochs do not reach says nothing.
func TestStepBudgetStopIsSaid(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		steps string
		said  bool
	}{{"30", true}, {"200", false}} {
		_, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "4", "--max-steps", c.steps, "--out", filepath.Join(dir, c.steps)}, smallData...)...)
		line := "Epoch 2: step budget spent (--max-steps 30), before the 4 epochs planned"
		if code != 0 || strings.Contains(stderr, line) != c.said || !c.said && strings.Contains(stderr, "step budget") {
			t.Errorf("--max-steps %s: exit %d, want the line %v: %s", c.steps, code, c.said, stderr)
		}
	}
}

// A run recorded with --reduce-lr-factor and no plateau (before that was
// refused) resumes as it ran: nothing read the factor.
func TestRecordedUnusedFactorResumes(t *testing.T) {
	dir := t.TempDir()
	oldState(t, dir, nil, "2", func(cfg map[string]any) {
		cfg["callbacks"].(map[string]any)["reduce_lr_factor"] = 0.5
	})
	if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "old", run.FinalFile)), mustRead(t, filepath.Join(dir, "whole", run.FinalFile))) {
		t.Error("the resumed run ends with other weights than the uninterrupted one")
	}
}
