package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A run that its --max-steps stopped within an epoch, resumed with a larger
// budget, continues from that step and ends bit for bit as the run given
// the larger budget from the start: the same final weights, the same
// history (history.csv byte for byte) and the same best checkpoint. Before,
// it continued at the epoch after the cut one, which stayed in the history
// with fewer steps. A run killed after its budget's state and before its
// result finishes as it would have. The cut epoch is no row of the history
// files, which hold whole epochs (its rows looked whole, nothing saying it
// trained 5 of 25 steps), but metrics.jsonl's cut record, once (a session
// that finished the run recorded it again, as an epoch).
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
	// The history files hold the whole epochs, as Keras's CSVLogger and
	// History record epochs at their end: epoch 1, as the run never
	// stopped wrote it. The cut epoch 2 is metrics.jsonl's cut record,
	// saying its steps.
	cut := historyOf(t, out)
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != 5 || r.Steps != 30 || r.Stopped != "max_steps" || !slices.Equal(cut.Epochs, []int{0}) {
		t.Fatalf("budget 30: result %+v, epochs %v in history.json, want [0]", r, cut.Epochs)
	}
	refCSV := strings.SplitAfter(string(mustRead(t, filepath.Join(ref, "history.csv"))), "\n")
	if got, want := string(mustRead(t, filepath.Join(out, "history.csv"))), strings.Join(refCSV[:2], ""); got != want {
		t.Fatalf("budget 30: history.csv\n%s\nwant the whole epoch of the run never stopped\n%s", got, want)
	}
	wantCut := map[string]any{"epoch": 2.0, "step": 5.0, "epoch_steps": 25.0, "steps": 30.0}
	cuts := cutRecords(t, out, wantCut)
	os.Remove(filepath.Join(out, "result.json")) // killed before its result
	_, stderr, code := output(t, "train", "--resume", out, "--quiet")
	if code != 0 || !strings.Contains(stderr, "its step budget (--max-steps 30) ended its training at step 5 of epoch 2, but it stopped before") {
		t.Fatalf("finishing after a kill: exit %d\n%s", code, stderr)
	}
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != 5 || r.Steps != 30 || r.Stopped != "max_steps" || !sameLogs(historyOf(t, out), cut) {
		t.Fatalf("finished after a kill: result %+v, history %+v, want %+v", r, historyOf(t, out).Logs, cut.Logs)
	}
	// Finishing ended epoch 2 at its cut again: recorded once. Were it
	// killed before the cut record (in the cut epoch's validation), the
	// finishing session records it, with the same figures.
	if again := cutRecords(t, out, wantCut); !reflect.DeepEqual(again, cuts) {
		t.Fatalf("cut records after finishing %v, want the one of before %v", again, cuts)
	}
	dropCutRecords(t, out)
	os.Remove(filepath.Join(out, "result.json"))
	if err := cliRun("train", "--resume", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	if again := cutRecords(t, out, wantCut); !sameFigures(again[0], cuts[0]) {
		t.Fatalf("cut record written by a finishing session %v, want the figures of %v", again, cuts)
	}
	err := cliRun("train", "--resume", out, "--max-steps", "60", "--epochs", "1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "has trained 1 epoch and 5 steps of epoch 2; a run is extended, not shortened") {
		t.Errorf("--epochs 1 of a run its budget stopped in epoch 2: %v", err)
	}
	// 60 cuts the last epoch short: a budget's stop all the same, which a
	// larger one (here none) continues.
	_, stderr, code = output(t, "train", "--resume", out, "--max-steps", "60", "--quiet")
	if r := readResult(t, out); code != 0 || r.Epochs != 2 || r.CutSteps != 10 || r.Steps != 60 || r.Stopped != "max_steps" ||
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
	if a, b := mustRead(t, filepath.Join(ref, "history.csv")), mustRead(t, filepath.Join(out, "history.csv")); !bytes.Equal(a, b) {
		t.Errorf("history.csv after the budgets\n%s\nnever stopped\n%s", b, a)
	}
	ra, rb := readResult(t, ref), readResult(t, out)
	if rb.Epochs != 3 || rb.Steps != ra.Steps || rb.Stopped != "" || rb.BestCheckpoint != ra.BestCheckpoint || rb.BestTestAccuracy != ra.BestTestAccuracy {
		t.Errorf("result after the budgets %+v, never stopped %+v", rb, ra)
	}
	// Each epoch once: the whole ones as epoch records, the cuts (2nd at
	// step 5, 3rd at step 10) as cut records, each once.
	var epochs, cutAt []float64
	for _, rec := range readMetrics(t, out) {
		switch rec["event"] {
		case "epoch":
			epochs = append(epochs, rec["epoch"].(float64))
		case "cut":
			cutAt = append(cutAt, rec["epoch"].(float64), rec["step"].(float64))
		}
	}
	if want := []float64{1, 2, 3}; !slices.Equal(epochs, want) {
		t.Errorf("metrics.jsonl records epochs %v, want %v", epochs, want)
	}
	if want := []float64{2, 5, 3, 10}; !slices.Equal(cutAt, want) {
		t.Errorf("metrics.jsonl records cuts (epoch, step) %v, want %v", cutAt, want)
	}
}

// cutRecords are the cut records of the run in dir, of which there must be
// one, holding the fields of want and an epoch's figures.
func cutRecords(t *testing.T, dir string, want map[string]any) []map[string]any {
	t.Helper()
	var cuts []map[string]any
	for _, rec := range readMetrics(t, dir) {
		if rec["event"] == "cut" {
			cuts = append(cuts, rec)
		}
	}
	if len(cuts) != 1 {
		t.Fatalf("%d cut records, want 1: %v", len(cuts), cuts)
	}
	for k, v := range want {
		if cuts[0][k] != v {
			t.Errorf("cut record's %s is %v, want %v: %v", k, cuts[0][k], v, cuts[0])
		}
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} {
		if _, ok := cuts[0][k].(float64); !ok {
			t.Errorf("cut record's %s is %v, want a number: %v", k, cuts[0][k], cuts[0])
		}
	}
	return cuts
}

// dropCutRecords removes the cut records from dir's metrics.jsonl, as a
// kill before the cut record was written leaves it.
func dropCutRecords(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, run.MetricsFile)
	var kept []byte
	for _, line := range bytes.SplitAfter(mustRead(t, path), []byte("\n")) {
		if !bytes.Contains(line, []byte(`"event":"cut"`)) {
			kept = append(kept, line...)
		}
	}
	if err := os.WriteFile(path, kept, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameFigures: two records of one epoch with the same figures (their times
// aside).
func sameFigures(a, b map[string]any) bool {
	a, b = maps.Clone(a), maps.Clone(b)
	for _, k := range []string{"time", "seconds"} {
		delete(a, k)
		delete(b, k)
	}
	return reflect.DeepEqual(a, b)
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

// A run whose --max-steps ends it within its first epoch has no whole
// epoch: its history files hold none (history.csv its header alone), its
// cut record in metrics.jsonl the epoch's figures, and plot says there is
// nothing to plot yet. Continued, its history files are the uninterrupted
// run's, history.csv byte for byte.
func TestBudgetWithinTheFirstEpochLeavesNoWholeEpoch(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "budget")
	if err := cliRun(trainArgs(model, ref, 1)...); err != nil {
		t.Fatal(err)
	}
	if err := cliRun(append(trainArgs(model, out, 1), "--max-steps", "3")...); err != nil {
		t.Fatal(err)
	}
	if r, h := readResult(t, out), historyOf(t, out); r.Epochs != 0 || r.CutSteps != 3 || r.Stopped != "max_steps" || len(h.Logs) != 0 {
		t.Fatalf("budget 3: result %+v, epochs %v in history.json", r, h.Epochs)
	}
	if got := string(mustRead(t, filepath.Join(out, "history.csv"))); got != "epoch\n" {
		t.Errorf("budget 3: history.csv %q, want its header alone", got)
	}
	cutRecords(t, out, map[string]any{"epoch": 1.0, "step": 3.0, "epoch_steps": 25.0, "steps": 3.0})
	err := cliRun("plot", filepath.Join(out, "history.json"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "holds no epochs: plot takes a run's history.json once the run has ended an epoch") {
		t.Errorf("plot of a history of no whole epoch: %v", err)
	}
	if err := cliRun("train", "--resume", out, "--max-steps", "0", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if a, b := mustRead(t, filepath.Join(ref, "history.csv")), mustRead(t, filepath.Join(out, "history.csv")); !bytes.Equal(a, b) {
		t.Errorf("history.csv continued\n%s\nnever stopped\n%s", b, a)
	}
	if ha, hb := historyOf(t, ref), historyOf(t, out); !sameLogs(ha, hb) {
		t.Errorf("history continued %v, never stopped %v", hb.Logs, ha.Logs)
	}
}
