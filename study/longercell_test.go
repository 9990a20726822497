package study

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestLongerCellIsNamedAndLeftOut: a cell trained past its study's epochs
// (`train --resume CELL --epochs N`, before that was refused) was complete
// to `study run`, and `study report` averaged it with the others as the
// study's setting ("up to 2 epochs each" of a 1-epoch study), its row in
// results.csv "finished" like theirs. Now the report leaves it out and
// names it with its epochs and the study's, results.csv says
// "longer_than_study", and `study run` says so too; once the study is
// extended to the cell's epochs it is one of them again.
func TestLongerCellIsNamedAndLeftOut(t *testing.T) {
	data := smallData(t)
	f := optimizerStudy("c") // sgd and adam, 1 epoch
	dir := t.TempDir()
	s, long := filepath.Join(dir, "s"), filepath.Join(dir, "long")
	study := func(f File, out string) string {
		t.Helper()
		var log bytes.Buffer
		if err := Run(f, out, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log}); err != nil {
			t.Fatal(err)
		}
		return log.String()
	}
	study(f, s)
	study(f.WithEpochs(2), long)
	key := "optimizer=sgd,seed=1"
	replaceCell(t, s, long, key)

	said := study(f, s)
	if !strings.Contains(said, "1 cell: left out of its report, status longer_than_study in results.csv: "+key+" (2 epochs, more than the study's 1), trained past the study's plan") {
		t.Errorf("study run of a study with a longer cell said:\n%s", said)
	}
	var reportLog bytes.Buffer
	md, err := Report(s, &reportLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reportLog.String(), "report: left out "+key+" (2 epochs, more than the study's 1)") {
		t.Errorf("study report said %q", reportLog.String())
	}
	report := string(mustRead(t, md))
	for _, want := range []string{"1 of the study's 2 cells complete", "up to 1 epoch each",
		"Left out: " + key + " (2 epochs, more than the study's 1)"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md does not say %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "| optimizer=sgd |") {
		t.Errorf("report.md compares the longer cell with the others:\n%s", report)
	}
	if err := WriteResultsCSV(s, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(s, ResultsCSV))
	status := map[string]string{}
	for _, r := range rows {
		status[r["optimizer"]] = r["status"] + " " + r["epochs_trained"]
	}
	if status["sgd"] != "longer_than_study 2" || status["adam"] != "finished 1" {
		t.Errorf("results.csv status and epochs_trained: %v", status)
	}

	// Extended to its epochs, the study holds the cell as one of its own.
	said = study(f.WithEpochs(2), s)
	if strings.Contains(said, "more than the study's") {
		t.Errorf("study run --epochs 2 still says the cell is longer:\n%s", said)
	}
	if md, err = Report(s, io.Discard); err != nil {
		t.Fatal(err)
	}
	if report := string(mustRead(t, md)); strings.Contains(report, "Left out") || !strings.Contains(report, "| optimizer=sgd |") {
		t.Errorf("report.md of the extended study:\n%s", report)
	}
}

// TestCellPastTheStepBudgetIsNamedAndLeftOut: a cell trained with a larger
// step budget than its study's max-steps (`train --resume CELL
// --max-steps N`, before that was refused) trained more steps than the
// study allows, and was reported beside the others as the study's. It is
// left out and named as a cell with more epochs is.
func TestCellPastTheStepBudgetIsNamedAndLeftOut(t *testing.T) {
	data := smallData(t)
	budget := func(steps string) File {
		f := optimizerStudy("c") // sgd and adam; 80 training images: 2 steps an epoch
		f.Fixed = map[string]string{"model": "mlp", "epochs": "3", "train-limit": "100", "max-steps": steps}
		return f
	}
	dir := t.TempDir()
	s, long := filepath.Join(dir, "s"), filepath.Join(dir, "long")
	for out, steps := range map[string]string{s: "2", long: "4"} {
		if err := Run(budget(steps), out, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	key := "optimizer=sgd,seed=1"
	replaceCell(t, s, long, key)
	var reportLog bytes.Buffer
	md, err := Report(s, &reportLog)
	if err != nil {
		t.Fatal(err)
	}
	report := string(mustRead(t, md))
	if want := "Left out: " + key + " (4 steps, more than the study's max-steps 2)"; !strings.Contains(report, want) || !strings.Contains(reportLog.String(), key+" (4 steps") {
		t.Errorf("report.md does not say %q:\n%s\nstderr: %s", want, report, reportLog.String())
	}
	if strings.Contains(report, "| optimizer=sgd |") {
		t.Errorf("report.md compares the cell past the budget with the others:\n%s", report)
	}
	if err := WriteResultsCSV(s, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join(s, ResultsCSV))
	for _, r := range rows {
		if want := map[string]string{"sgd": LongerStatus, "adam": "finished"}[r["optimizer"]]; r["status"] != want {
			t.Errorf("results.csv: %s's status %q, want %q", r["optimizer"], r["status"], want)
		}
	}
}

// replaceCell puts in the study in dir, as its cell key, a copy of the cell
// key of the study in from.
func replaceCell(t *testing.T, dir, from, key string) {
	t.Helper()
	cell := filepath.Join(dir, "cells", key)
	if err := os.RemoveAll(cell); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(cell, os.DirFS(filepath.Join(from, "cells", key))); err != nil {
		t.Fatal(err)
	}
}
