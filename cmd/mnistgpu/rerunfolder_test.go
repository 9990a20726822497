package main

import (
	"os"
	"path/filepath"
	"strings"
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

// make train (--overwrite) again after plot --out runs/cnn/loss.png (or
// curves.svg, a .pdf) put the run's curves in its folder: the next run was
// refused as a folder holding files no run writes (loss.png), a picture
// the tool itself had drawn of the run there. A picture plot writes (a
// .png, .svg or .pdf that is one, as plot --out replaces) beside a
// recorded run counts as none of the user's, and stays; a picture in a
// folder holding no run, a folder of pictures, or another file beside the
// run is still refused.
func TestOverwriteAfterPlotIntoTheRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cnn")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out, "--overwrite"}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"loss.png", "curves.svg", "curves.pdf"} {
		if err := cliRun("plot", "--out", filepath.Join(out, name), filepath.Join(out, "history.json")); err != nil {
			t.Fatal(err)
		}
	}
	if err := cliRun(args...); err != nil {
		t.Fatalf("make train after plot --out into the run: %v", err)
	}
	for _, name := range []string{"loss.png", "curves.svg", "curves.pdf"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("the user's plot %s: %v", name, err)
		}
	}
	// Named like a picture, not one: the user's.
	os.WriteFile(filepath.Join(out, "notes.png"), []byte("my notes"), 0o644)
	if _, msg, code := output(t, args...); code != 2 || !strings.Contains(msg, "(notes.png)") {
		t.Errorf("a non-picture named .png beside the run: exit %d, want 2 naming it:\n%s", code, msg)
	}
	os.Remove(filepath.Join(out, "notes.png"))
	// A picture in a folder that holds no run is a user's.
	pics := filepath.Join(dir, "pics")
	os.MkdirAll(pics, 0o755)
	os.WriteFile(filepath.Join(pics, "photo.png"), mustRead(t, filepath.Join(out, "loss.png")), 0o644)
	picArgs := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", pics, "--overwrite"}, smallData...)
	if _, msg, code := output(t, picArgs...); code != 2 || !strings.Contains(msg, "(photo.png)") {
		t.Errorf("a folder of pictures: exit %d, want 2 naming it:\n%s", code, msg)
	}
}

// A run's inputs kept in its folder: train --model net1/net.json --out
// net1 (the model file beside the run it defines), or --init-weights
// ft/start.safetensors --out ft, was refused as a folder holding files no
// run writes (net.json); the run reads them, and records them (--resume
// reads the model file again), so they are the run's, not among its
// files by chance. They stay, with --overwrite too; a file beside them
// that the run does not read is still refused.
func TestRunsInputsInItsFolder(t *testing.T) {
	dir := t.TempDir()
	net1 := filepath.Join(dir, "net1")
	os.MkdirAll(net1, 0o755)
	model := filepath.Join(net1, "net.json")
	os.WriteFile(model, []byte(`{"name":"tiny","input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`), 0o644)
	args := append([]string{"train", "--model", model, "--train-limit", "300", "--epochs", "1", "--out", net1}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatalf("--model a file in --out: %v", err)
	}
	if err := cliRun("train", "--resume", net1, "--epochs", "2"); err != nil {
		t.Fatal(err)
	}
	// The next run of another model: the recorded run read net.json.
	again := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", net1, "--overwrite"}, smallData...)
	if err := cliRun(again...); err != nil {
		t.Fatalf("--overwrite of a run whose model file is in its folder: %v", err)
	}
	if _, err := os.Stat(model); err != nil {
		t.Errorf("the model file: %v", err)
	}

	ft := filepath.Join(dir, "ft")
	os.MkdirAll(ft, 0o755)
	start := filepath.Join(ft, "start.safetensors")
	os.WriteFile(start, mustRead(t, filepath.Join(net1, "final.safetensors")), 0o644)
	args = append([]string{"train", "--model", "mlp", "--init-weights", start, "--train-limit", "300", "--epochs", "1", "--out", ft}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatalf("--init-weights a file in --out: %v", err)
	}
	if err := cliRun(append(args, "--overwrite")...); err != nil {
		t.Fatalf("--overwrite with --init-weights a file in --out: %v", err)
	}
	if _, err := os.Stat(start); err != nil {
		t.Errorf("the initial weights: %v", err)
	}
	os.WriteFile(filepath.Join(ft, "other.safetensors"), mustRead(t, start), 0o644)
	if _, msg, code := output(t, append(args, "--overwrite")...); code != 2 || !strings.Contains(msg, "(other.safetensors)") {
		t.Errorf("a weights file the run does not read beside it: exit %d, want 2 naming it:\n%s", code, msg)
	}
}

// train --config exp/my.json --out exp (the settings kept beside the run
// they make), run again with --overwrite: the file --config reads was
// refused as one no run writes (my.json). It is this run's input, as a
// --model file is, and stays.
func TestConfigFileInItsRunsFolder(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", first}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(dir, "exp")
	os.MkdirAll(exp, 0o755)
	mine := filepath.Join(exp, "my.json")
	os.WriteFile(mine, mustRead(t, filepath.Join(first, "config.json")), 0o644)
	for _, more := range [][]string{nil, {"--overwrite"}} {
		if err := cliRun(append([]string{"train", "--config", mine, "--out", exp}, more...)...); err != nil {
			t.Fatalf("--config a file in --out %v: %v", more, err)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the --config file: %v", err)
	}
}

// train --out runs/cnn --overwrite > runs/cnn/out.txt 2>&1 (its own output
// kept with the run, as nohup users do): the shell makes the file before
// train starts, and train refused the folder as holding a file no run
// writes (out.txt), the log of this very run. A file that is the
// process's standard output or error is its own; another file beside it
// is still refused.
func TestOutputRedirectedIntoTheRunsFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cnn")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out, "--overwrite"}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		log, err := os.Create(filepath.Join(out, "out.txt"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := command(args...)
		cmd.Stdout, cmd.Stderr = log, log
		err = cmd.Run()
		log.Close()
		if err != nil {
			t.Fatalf("train with its output in %s: %v\n%s", log.Name(), err, mustRead(t, log.Name()))
		}
	}
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	log, _ := os.Create(filepath.Join(out, "out.txt"))
	cmd := command(args...)
	cmd.Stdout, cmd.Stderr = log, log
	err := cmd.Run()
	log.Close()
	if msg := string(mustRead(t, log.Name())); err == nil || !strings.Contains(msg, "(notes.txt)") || strings.Contains(msg, "out.txt,") {
		t.Errorf("a user's notes beside the run's output: %v, want exit 2 naming notes.txt alone:\n%s", err, msg)
	}
}

// A study cell finished short of its study's plan (the study extended by
// one shard: study run --epochs 3 --shard 1/2 in the study's folder) is
// continued by study run, or by train --resume --epochs 3: train --resume
// of it said to change the study file, which already plans 3 epochs.
func TestFinishedCellBehindItsStudysPlanSaysSo(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1","0.05"]}],"seeds":[1],"fixed":{"model":"mlp","optimizer":"sgd","train-limit":"200","epochs":"2"}}`), 0o644)
	out := filepath.Join(dir, "out")
	for _, more := range [][]string{nil, {"--epochs", "3", "--shard", "1/2"}} {
		if err := cliRun(append([]string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify", "--threads", "1"}, more...)...); err != nil {
			t.Fatal(err)
		}
	}
	cell := filepath.Join(out, "cells", "lr=0.05,seed=1")
	_, stderr, code := output(t, "train", "--resume", cell, "--threads", "1")
	if code != 0 || !strings.Contains(stderr, "which trains its cells to 3 epochs") || strings.Contains(stderr, "change the study file") {
		t.Errorf("train --resume of a cell behind its study's plan: exit %d, %q; want the study's 3 epochs", code, stderr)
	}
}
