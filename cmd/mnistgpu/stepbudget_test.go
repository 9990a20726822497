package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// A run that its --max-steps stopped within an epoch, resumed with a larger
// budget, continues from that step and ends bit for bit as the run given
// the larger budget from the start: the same final weights, the same
// history (the cut epoch's entry replaced by the whole epoch's) and the
// same best checkpoint. Before, it continued at the epoch after the cut
// one, which stayed in the history with fewer steps. A run killed after its
// budget's state and before its result finishes as it would have.
func TestLargerStepBudgetContinuesBitForBit(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "budget")
	if err := cliRun(trainArgs(model, ref, 3)...); err != nil {
		t.Fatal(err)
	}
	// 1,600 training images in batches of 64: 25 steps an epoch; 30 stop
	// in epoch 2, 60 in epoch 3.
	if err := cliRun(append(trainArgs(model, out, 3), "--max-steps", "30")...); err != nil {
		t.Fatal(err)
	}
	cut := historyOf(t, out)
	if r := readResult(t, out); r.Epochs != 2 || r.Steps != 30 || r.Stopped != "max_steps" || len(cut.Logs) != 2 {
		t.Fatalf("budget 30: result %+v, %d epochs in history.json", r, len(cut.Logs))
	}
	os.Remove(filepath.Join(out, "result.json")) // killed before its result
	_, stderr, code := output(t, "train", "--resume", out, "--quiet")
	if code != 0 || !strings.Contains(stderr, "its step budget (--max-steps 30) ended its training at step 5 of epoch 2, but it stopped before") {
		t.Fatalf("finishing after a kill: exit %d\n%s", code, stderr)
	}
	if r := readResult(t, out); r.Epochs != 2 || r.Steps != 30 || r.Stopped != "max_steps" || !sameLogs(historyOf(t, out), cut) {
		t.Fatalf("finished after a kill: result %+v, history %+v, want %+v", r, historyOf(t, out).Logs, cut.Logs)
	}
	err := cliRun("train", "--resume", out, "--max-steps", "60", "--epochs", "1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "has trained 1 epoch and 5 steps of epoch 2; a run is extended, not shortened") {
		t.Errorf("--epochs 1 of a run its budget stopped in epoch 2: %v", err)
	}
	// 60 cuts the last epoch short: a budget's stop all the same, which a
	// larger one (here none) continues.
	_, stderr, code = output(t, "train", "--resume", out, "--max-steps", "60", "--quiet")
	if r := readResult(t, out); code != 0 || r.Epochs != 3 || r.Steps != 60 || r.Stopped != "max_steps" ||
		!strings.Contains(stderr, "Epoch 3: step budget spent (--max-steps 60), before the epoch's end") {
		t.Fatalf("budget 60: exit %d, result %+v\n%s", code, r, stderr)
	}
	if err := cliRun("train", "--resume", out, "--max-steps", "0", "--quiet"); err != nil {
		t.Fatal(err)
	}
	a, b := readWeights(t, filepath.Join(ref, "final.safetensors")), readWeights(t, filepath.Join(out, "final.safetensors"))
	if !reflect.DeepEqual(a, b) {
		t.Error("final weights after budgets 30, 60 and none differ from the run never stopped")
	}
	if ha, hb := historyOf(t, ref), historyOf(t, out); !sameLogs(ha, hb) {
		t.Errorf("history after the budgets %v, never stopped %v", hb.Logs, ha.Logs)
	}
	ra, rb := readResult(t, ref), readResult(t, out)
	if rb.Epochs != 3 || rb.Steps != ra.Steps || rb.Stopped != "" || rb.BestCheckpoint != ra.BestCheckpoint || rb.BestTestAccuracy != ra.BestTestAccuracy {
		t.Errorf("result after the budgets %+v, never stopped %+v", rb, ra)
	}
	// Each session's epochs: the cut 2nd (twice: before the kill, and
	// when finished), then the whole 2nd, the cut 3rd and the whole 3rd.
	var epochs []float64
	for _, rec := range readMetrics(t, out) {
		if rec["event"] == "epoch" {
			epochs = append(epochs, rec["epoch"].(float64))
		}
	}
	if want := []float64{1, 2, 2, 2, 3, 3}; !slices.Equal(epochs, want) {
		t.Errorf("metrics.jsonl records epochs %v, want %v", epochs, want)
	}
}

func historyOf(t *testing.T, dir string) *engine.History {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	h, err := engine.ReadHistoryJSON("history.json", fh)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// sameLogs: the same epochs with the same figures (their times aside).
func sameLogs(a, b *engine.History) bool {
	return slices.Equal(a.Epochs, b.Epochs) && reflect.DeepEqual(a.Logs, b.Logs)
}
