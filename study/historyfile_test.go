package study

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// TestCellWithoutItsHistoryIsNamedAndLeftOut: a complete cell whose
// history.json was deleted, or is corrupt, or cannot be read, was reported
// with its numbers empty (or the report failed on the corrupt file), its
// seed counted, and results.csv gave it 0 epochs trained: numbers made of a
// missing file, and no word of which file. Now the report leaves the cell
// out, naming it, the file and what is wrong with it, and results.csv's row
// says why its history's numbers are absent.
func TestCellWithoutItsHistoryIsNamedAndLeftOut(t *testing.T) {
	data := smallData(t)
	f := File{Name: "h", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam", "rmsprop", "adagrad"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100"}}
	s := filepath.Join(t.TempDir(), "s")
	if err := Run(f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	hist := func(opt string) string { return filepath.Join(s, "cells", "optimizer="+opt+",seed=1", "history.json") }
	if err := os.Remove(hist("sgd")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hist("adam"), []byte(`{"loss": [0.5,`), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(hist("rmsprop")); err != nil { // a folder in its place: unreadable
		t.Fatal(err)
	}
	if err := os.Mkdir(hist("rmsprop"), 0o777); err != nil {
		t.Fatal(err)
	}

	var reportLog bytes.Buffer
	md, err := Report(s, &reportLog)
	if err != nil {
		t.Fatal(err)
	}
	report := string(mustRead(t, md))
	t.Logf("stderr:\n%s\nreport.md:\n%s", reportLog.String(), report)
	for _, opt := range []string{"sgd", "adam", "rmsprop"} {
		name := hist(opt)
		if !strings.Contains(reportLog.String(), name) || !strings.Contains(report, name) {
			t.Errorf("the report does not name %s", name)
		}
		if strings.Contains(report, "| optimizer="+opt+" |") {
			t.Errorf("report.md reports optimizer=%s without its history", opt)
		}
	}
	for _, want := range []string{"1 of the study's 4 cells complete", "Left out: 3 cells without a readable history",
		hist("sgd") + " is missing (the cell trained 1 epoch)", hist("adam") + " cannot be read: invalid history JSON"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md does not say %q", want)
		}
	}
	if !strings.Contains(report, "| optimizer=adagrad |") {
		t.Errorf("report.md leaves out the cell whose history is there")
	}

	var csvLog bytes.Buffer
	if err := WriteResultsCSV(s, &csvLog); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(s, ResultsCSV))
	finalTest := map[string]string{}
	for _, r := range rows {
		opt := r["optimizer"]
		finalTest[opt] = r["final_test_accuracy"]
		if opt == "adagrad" {
			if r["status"] != "finished" || r["epochs_trained"] != "1" {
				t.Errorf("results.csv: adagrad's row %v", r)
			}
			continue
		}
		if r["status"] != NoHistoryStatus || r["epochs_trained"] != "" || r["best_val_accuracy"] != "" {
			t.Errorf("results.csv: %s's row %v: numbers of a history that is not there", opt, r)
		}
		if !strings.Contains(csvLog.String(), hist(opt)) {
			t.Errorf("writing results.csv did not name %s:\n%s", hist(opt), csvLog.String())
		}
	}

	// The dry run names them as the run does.
	p, err := NewPlan(f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	p.Print(&plan, 0)
	for _, want := range []string{"nothing to do\n3 cells: left out of its report, status " + NoHistoryStatus + " in " + ResultsCSV + ", its history's numbers empty: 3 cells without a readable history",
		"optimizer=sgd,seed=1 (" + hist("sgd") + " is missing (the cell trained 1 epoch))"} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("study run --dry-run does not say %q:\n%s", want, plan.String())
		}
	}
	twoSeeds := f
	twoSeeds.Seeds = []uint64{1, 2}
	if p, err = NewPlan(twoSeeds, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
		t.Fatal(err)
	}
	plan.Reset()
	p.Print(&plan, 0)
	if want := "optimizer=adam,seed=1\n  complete: skipped; without a readable history (" + hist("adam") + " cannot be read: invalid history JSON"; !strings.Contains(plan.String(), want) {
		t.Errorf("study run --dry-run does not say %q:\n%s", want, plan.String())
	}

	// As the line says: without its result.json, `study run` writes the
	// cell's result and history again from its saved state.
	for _, opt := range []string{"sgd", "adam"} {
		if err := os.Remove(filepath.Join(filepath.Dir(hist(opt)), ResultFile)); err != nil {
			t.Fatal(err)
		}
	}
	if err := Run(f, s, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if md, err = Report(s, io.Discard); err != nil {
		t.Fatal(err)
	}
	report = string(mustRead(t, md))
	if !strings.Contains(report, "| optimizer=sgd |") || !strings.Contains(report, "| optimizer=adam |") || !strings.Contains(report, "optimizer=rmsprop,seed=1 ("+hist("rmsprop")) {
		t.Errorf("report.md after study run wrote the histories again:\n%s", report)
	}
	_, rows = readCSV(t, filepath.Join(s, ResultsCSV))
	for _, r := range rows {
		if opt := r["optimizer"]; r["final_test_accuracy"] != finalTest[opt] || opt != "rmsprop" && r["status"] != "finished" {
			t.Errorf("results.csv after study run: %s's row %v, its final_test_accuracy was %s", opt, r, finalTest[opt])
		}
	}
}

// TestHistoryOfOtherEpochsIsNoHistory: a history.json of other epochs than
// the cell's result.json (one written by another run) is not the cell's.
func TestHistoryOfOtherEpochsIsNoHistory(t *testing.T) {
	dir := t.TempDir()
	h := &engine.History{}
	h.Append(0, engine.Logs{"loss": 1, "val_accuracy": 0.5}, 0)
	if err := engine.WriteFileAtomic(filepath.Join(dir, "history.json"), h.WriteJSON); err != nil {
		t.Fatal(err)
	}
	if got, why := readCellHistory(dir, cellRecord{Result: &Result{Epochs: 1}}); got == nil || why != "" {
		t.Errorf("a 1-epoch cell's 1-epoch history: %v, %q", got, why)
	}
	got, why := readCellHistory(dir, cellRecord{Result: &Result{Epochs: 2}})
	if want := filepath.Join(dir, "history.json") + " holds 1 epoch, its result.json 2"; got != nil || why != want {
		t.Errorf("a 2-epoch cell's 1-epoch history: %v, %q, want %q", got, why, want)
	}
	// A cell that ended no epoch has no history, and lacks none.
	if got, why := readCellHistory(t.TempDir(), cellRecord{Result: &Result{}}); got != nil || why != "" {
		t.Errorf("a cell of no epoch: %v, %q", got, why)
	}
}
