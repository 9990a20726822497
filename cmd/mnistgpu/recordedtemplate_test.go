package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
	"mnistgpu/study"
)

// A checkpoint template that an earlier version took and that is refused
// since, as Python refuses it ({epoch:.3}: its precision was dropped;
// {epoch:0+3}: its sign was read as part of the width), names the files
// of a run recorded with it. Such a run, resumed, and a recorded study's
// cell go on as they ran, naming their checkpoints as before, and say in
// one line (a cell: in its log) that a new run would refuse the template; a new run of it, and
// --config of the run, are refused.
func TestRecordedTemplateGoesOnAsItRan(t *testing.T) {
	dir := t.TempDir()
	// What the earlier version wrote for the refused template is what
	// now's writes for this one: "ck-1-2.226.safetensors".
	const same, refused = "ck-{epoch}-{val_loss:.3f}.safetensors", "ck-{epoch:.3}-{val_loss:.3f}.safetensors"
	train := func(out, epochs, tmpl string) []string {
		a := []string{"train", "--model", "mlp", "--epochs", epochs, "--train-limit", "300", "--out", filepath.Join(dir, out), "--checkpoint", tmpl}
		return append(a, smallData...)
	}
	for _, a := range [][]string{train("whole", "2", same), train("old", "1", same)} {
		if _, stderr, code := output(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, stderr)
		}
	}
	old := filepath.Join(dir, "old")
	recordTemplate(t, old, same, refused)
	_, stderr, code := output(t, "train", "--resume", old, "--epochs", "2", "--quiet")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, `was recorded with --checkpoint "`+refused+`", refused for new runs since (field "epoch:.3": a precision is for a float`) ||
		!strings.Contains(stderr, "it goes on as it ran, naming its checkpoints as before") {
		t.Errorf("the resume did not say it goes on as it ran:\n%s", stderr)
	}
	if got, want := checkpointNames(t, old), checkpointNames(t, filepath.Join(dir, "whole")); len(want) != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("the resumed run's checkpoints are %v; the run never stopped wrote %v", got, want)
	}

	// A study's cell, recorded with {epoch:0+3} (written 001, as 03d).
	studyFile := filepath.Join(dir, "s.json")
	body := func(tmpl string) string {
		return `{"name":"s","axes":[{"name":"lr","values":["0.01"]}],"seeds":[1],"fixed":{"epochs":"1","model":"mlp","train-limit":"200","checkpoint":"` + tmpl + `"}}`
	}
	if err := os.WriteFile(studyFile, []byte(body("ck-{epoch:03d}.safetensors")), 0o644); err != nil {
		t.Fatal(err)
	}
	studyRun := func(out string, more ...string) []string {
		return append([]string{"study", "run", studyFile, "--out", filepath.Join(dir, out), "--data-dir", small, "--no-verify", "--threads", "1"}, more...)
	}
	if _, stderr, code := output(t, studyRun("study")...); code != 0 {
		t.Fatalf("study: exit %d: %s", code, stderr)
	}
	if err := os.WriteFile(studyFile, []byte(body("ck-{epoch:0+3}.safetensors")), 0o644); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(dir, "study", "cells", "lr=0.01,seed=1")
	recordTemplate(t, cell, "ck-{epoch:03d}.safetensors", "ck-{epoch:0+3}.safetensors")
	recordFile(t, filepath.Join(dir, "study", "study.json"), "ck-{epoch:03d}.safetensors", "ck-{epoch:0+3}.safetensors")
	if _, stderr, code := output(t, studyRun("study", "--epochs", "2")...); code != 0 {
		t.Fatalf("the recorded study continued: exit %d: %s", code, stderr)
	}
	if log, err := os.ReadFile(filepath.Join(cell, study.LogFile)); err != nil || !strings.Contains(string(log), `refused for new runs since (field "epoch:0+3"`) {
		t.Errorf("the cell's log does not say it goes on as it ran: %v\n%s", err, log)
	}
	if got, want := checkpointNames(t, cell), []string{"ck-001.safetensors", "ck-002.safetensors"}; !reflect.DeepEqual(got, want) {
		t.Errorf("the recorded cell's checkpoints are %v, want %v", got, want)
	}

	rerun := []string{"train", "--config", filepath.Join(old, run.ConfigFile), "--out", filepath.Join(dir, "rerun")}
	for _, a := range [][]string{train("new", "1", refused), rerun} {
		_, stderr, code := output(t, a...)
		if code != 2 || !strings.Contains(stderr, "--checkpoint") || !strings.Contains(stderr, `field "epoch:.3"`) {
			t.Errorf("%v: exit %d, want 2 naming --checkpoint and the field: %s", a[:2], code, stderr)
		}
	}
	if _, stderr, code := output(t, studyRun("newstudy")...); code != 2 || !strings.Contains(stderr, `field "epoch:0+3"`) {
		t.Errorf("a new study of the template: exit %d, want 2 naming the field: %s", code, stderr)
	}
}

// recordTemplate writes into the run folder dir's config.json and state
// the checkpoint template then where now is: what an earlier version
// recorded of a run given then.
func recordTemplate(t *testing.T, dir, now, then string) {
	t.Helper()
	recordFile(t, filepath.Join(dir, run.ConfigFile), now, then)
	path := filepath.Join(dir, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ck.Config), now) {
		t.Fatalf("%s records no %q", path, now)
	}
	ck.Config = []byte(strings.ReplaceAll(string(ck.Config), now, then))
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
}

func recordFile(t *testing.T, path, now, then string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), now) {
		t.Fatalf("%s: %v, or it records no %q", path, err, now)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), now, then)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkpointNames lists the files named ck-* in dir.
func checkpointNames(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "ck-*"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// A template that Python's format spec and the earlier reading both take
// but format apart ({epoch:-3}: Python "  1", before "1", the sign read as
// the width's) names the checkpoints of a run recorded before as they were
// named then: its resume went on with Python's names, so that one run's
// checkpoints changed names at the resume ("ck-1" then "ck-  2"), and its
// best checkpoint in result.json was named the new way. A run of today
// records how it names its files, and a resume of it goes on so.
func TestResumedRunKeepsNamingItsCheckpointsAsItDid(t *testing.T) {
	dir := t.TempDir()
	const tmpl = "ck-{epoch:-3}.safetensors"
	train := func(out, epochs string) {
		t.Helper()
		a := append([]string{"train", "--model", "mlp", "--epochs", epochs, "--train-limit", "300", "--out", filepath.Join(dir, out),
			"--checkpoint", tmpl}, smallData...)
		if _, stderr, code := output(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, stderr)
		}
	}
	resume := func(out string) {
		t.Helper()
		if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, out), "--epochs", "3", "--quiet"); code != 0 {
			t.Fatalf("resume %s: exit %d: %s", out, code, stderr)
		}
	}
	train("new", "1")
	resume("new")
	if got, want := checkpointNames(t, filepath.Join(dir, "new")), []string{"ck-  1.safetensors", "ck-  2.safetensors", "ck-  3.safetensors"}; !reflect.DeepEqual(got, want) {
		t.Errorf("a run of today resumed: checkpoints %q, want %q", got, want)
	}

	// The run as an earlier version left it: its file named the earlier
	// way, its state without the record of its naming.
	train("old", "1")
	old := filepath.Join(dir, "old")
	if err := os.Rename(filepath.Join(old, "ck-  1.safetensors"), filepath.Join(old, "ck-1.safetensors")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(old, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ck.Callbacks {
		delete(s, "naming")
	}
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	resume("old")
	if got, want := checkpointNames(t, old), []string{"ck-1.safetensors", "ck-2.safetensors", "ck-3.safetensors"}; !reflect.DeepEqual(got, want) {
		t.Errorf("a run recorded before resumed: checkpoints %q, want %q (named as before the resume)", got, want)
	}
	// Each epoch improved val_loss, so each saved its best checkpoint.
	if res := string(mustRead(t, filepath.Join(old, run.ResultFile))); !strings.Contains(res, `"best_checkpoint": "ck-3.safetensors"`) {
		t.Errorf("result.json does not name the best checkpoint as the run names it (ck-3.safetensors):\n%s", res)
	}
}
