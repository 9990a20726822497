package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A run a signal stopped within an epoch, resumed with --max-steps of the
// steps it has trained, has nothing to train: it says so, the budget given
// now being spent by its state, and finishes (exit 0) with the epoch's
// line counting its steps and "none this run". It was said to be a run its
// step budget had ended ("its step budget (--max-steps N) ended its
// training ..."), the line said "0/200" at the epoch's time per no step,
// and the summary "(1 this run)"; result.json listed the resume as a
// session of no step.
func TestSignalStopResumedWithItsStepsAsBudget(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	// Epoch 2's 200 steps take some milliseconds: on a loaded machine the
	// signal sent when its line is read can come after its last step, and
	// the run stops at epoch 3's first boundary (twice in 18 runs beside
	// two other test binaries). Such an attempt stopped within no epoch
	// and is made again, in a new folder.
	var out string
	var ck *engine.TrainCheckpoint
	for attempt := 1; ; attempt++ {
		out = filepath.Join(dir, "stopped"+strconv.Itoa(attempt))
		code, stderr := signalWhen(t, syscall.SIGTERM, "Epoch 2/4", stopArgs(model, out)...)
		if code != 143 {
			t.Fatalf("SIGTERM: exit %d\n%s", code, stderr)
		}
		var err error
		ck, err = engine.LoadTrainCheckpoint(filepath.Join(out, run.StateFile))
		if err != nil || ck.NextEpoch < 1 {
			t.Fatalf("state after SIGTERM in epoch 2: %v, %+v", err, ck)
		}
		if ck.NextEpoch == 1 && ck.EpochStep > 0 {
			break
		}
		if attempt == 5 {
			t.Fatalf("in %d attempts, SIGTERM sent as epoch 2 began never stopped the run within it; the last stopped at epoch %d, step %d", attempt, ck.NextEpoch+1, ck.EpochStep)
		}
		t.Logf("attempt %d: the SIGTERM came after epoch 2's last step (stopped at epoch %d, step %d); again", attempt, ck.NextEpoch+1, ck.EpochStep)
	}
	stdout, stderr, code := output(t, "train", "--resume", out, "--max-steps", strconv.FormatUint(ck.Step, 10))
	said := fmt.Sprintf("finishing %s: its state, saved at step %d of epoch 2, has trained %d steps, all that --max-steps %d allows: nothing to train",
		out, ck.EpochStep, ck.Step, ck.Step)
	if code != 0 || !strings.Contains(stderr, said) || strings.Contains(stderr, "its step budget (") {
		t.Errorf("exit %d, want 0 and %q:\n%s", code, said, stderr)
	}
	if line := fmt.Sprintf(" %d/200 - ", ck.EpochStep); !strings.Contains(stderr, line) || !strings.Contains(stdout, fmt.Sprintf("Trained 1 epoch and %s of epoch 2 (none this run) on cpu", run.Plural(ck.EpochStep, "step"))) {
		t.Errorf("want the epoch's line at step %d and none trained this run:\n%s\n%s", ck.EpochStep, stderr, stdout)
	}
	// The stopped session alone: the resume took no step, and added an
	// empty session as one that only finishes does not.
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != ck.EpochStep || r.Steps != ck.Step || r.Stopped != "max_steps" || len(r.Sessions) != 1 {
		t.Errorf("result %+v", r)
	}
}

// A run that trained all its epochs, resumed with --max-steps of its steps,
// is said to have finished them: it was said to have "stopped after 3 of 3
// epochs at its step budget". More epochs under that budget are refused
// naming the steps trained, not a budget the run never had; one killed
// before its result finishes, said to have ended after its epochs.
func TestFinishedRunWithItsStepsAsBudget(t *testing.T) {
	out := t.TempDir()
	// 256 training images in batches of 64: 4 steps an epoch, 12 in all.
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "3", "--train-limit", "320", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := output(t, "train", "--resume", out, "--max-steps", "12")
	if want := "nothing to do: " + out + " finished its 3 epochs; pass --epochs N and a --max-steps above 12 to extend"; code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, want 0 and %q:\n%s", code, want, stderr)
	}
	err := cliRun("train", "--resume", out, "--max-steps", "12", "--epochs", "5")
	if want := "--epochs 5: " + out + " has trained 12 steps (in epoch 3), all that --max-steps 12 allows"; exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("--epochs 5 --max-steps 12: %v, want exit 2 and %q", err, want)
	}
	// Killed before its result: its epochs ended its training, not the
	// budget given now.
	os.Remove(filepath.Join(out, run.ResultFile))
	_, stderr, code = output(t, "train", "--resume", out, "--max-steps", "12")
	if want := "finishing " + out + ": its training ended after epoch 3, but it stopped before writing"; code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("without its result: exit %d, want 0 and %q:\n%s", code, want, stderr)
	}
}
