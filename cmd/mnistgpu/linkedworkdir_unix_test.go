//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mnistgpu/run"
)

// On a cluster home and scratch folders are often reached through a link
// (/home/u to /gpfs/home/u), and a batch job may start in the real folder
// where its user started the study or run through the link, or the
// reverse. A relative "model", "init-weights" or "data-dir" then names the
// same file, spelled another way: the study (and `train --resume`) goes on.
// Both were refused: the study as "trained from another folder" (exit 2),
// the resume as "--model net.json: run was trained with …/L/net.json".

// linkedWorkdir makes a folder R holding a model file net.json, initial
// weights init.safetensors for it and a data folder data, and a link L to
// R; it returns L and R (both with their own links resolved, so that L is
// the only link on the way).
func linkedWorkdir(t *testing.T) (link, real string) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real, link = filepath.Join(dir, "R"), filepath.Join(dir, "L")
	data, err := filepath.Abs(small)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(real, 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(data, filepath.Join(real, "data")); err != nil {
		t.Fatal(err)
	}
	writeNet(t, real)
	if err := cliRun("train", "--model", filepath.Join(real, "net.json"), "--data-dir", data, "--no-verify", "--quiet", "--epochs", "1",
		"--train-limit", "200", "--threads", "1", "--out", filepath.Join(dir, "init"), "--save-weights", filepath.Join(real, "init.safetensors")); err != nil {
		t.Fatal(err)
	}
	return link, real
}

func writeNet(t *testing.T, dir string) {
	t.Helper()
	const net = `{"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}`
	if err := os.WriteFile(filepath.Join(dir, "net.json"), []byte(net), 0o644); err != nil {
		t.Fatal(err)
	}
}

// commandAt runs the command in dir as a shell started there by `cd dir`
// does: with PWD=dir, which os.Getwd returns, so that a relative path
// is made absolute through dir as typed (through a link, where dir is
// one), not through the folder it leads to.
func commandAt(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := command(args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, "PWD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func recordsPrefix(t *testing.T, configFile, prefix string) bool {
	t.Helper()
	raw, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(raw), `"`+filepath.Join(prefix, "net.json")+`"`) &&
		strings.Contains(string(raw), `"`+filepath.Join(prefix, "init.safetensors")+`"`)
}

// A study started through the link and continued from the real folder
// (longer, with one more seed), and the reverse, trains on: the cell
// recorded first resumes, keeping its record as written, and the new one
// records the folder it was started from. A copy of the files in a third
// folder is still another file, and refused.
func TestStudyContinuesThroughLinkedFolder(t *testing.T) {
	link, real := linkedWorkdir(t)
	spec := `{"seeds":[1],"fixed":{"model":"net.json","init-weights":"init.safetensors","data-dir":"data","no-verify":"true","epochs":"1","train-limit":"200"}}`
	os.WriteFile(filepath.Join(real, "s.json"), []byte(spec), 0o644)
	for _, order := range [][2]string{{link, real}, {real, link}} {
		first, then := order[0], order[1]
		out := filepath.Join(t.TempDir(), "out")
		args := []string{"study", "run", "s.json", "--out", out, "--threads", "1"}
		if log, code := commandAt(t, first, args...); code != 0 {
			t.Fatalf("started from %s: exit %d\n%s", first, code, log)
		}
		log, code := commandAt(t, then, append(args, "--epochs", "2", "--seeds", "2")...)
		if code != 0 {
			t.Errorf("started from %s, continued from %s: exit %d, want 0\n%s", first, then, code, log)
			continue
		}
		for seed, from := range map[string]string{"seed=1": first, "seed=2": then} {
			cell := filepath.Join(out, "cells", seed)
			if _, err := os.Stat(filepath.Join(cell, "failed.txt")); err == nil {
				t.Errorf("from %s then %s: %s failed", first, then, seed)
			}
			c, err := run.ReadResult(cell)
			if err != nil || c.Epochs != 2 {
				t.Errorf("from %s then %s: %s has %d epochs (%v), want 2", first, then, seed, c.Epochs, err)
			}
			if !recordsPrefix(t, filepath.Join(cell, "config.json"), from) {
				t.Errorf("from %s then %s: %s/config.json does not record the files as %s named them", first, then, seed, from)
			}
		}
	}
	other := filepath.Join(filepath.Dir(real), "other")
	os.MkdirAll(other, 0o755)
	writeNet(t, other)
	os.Symlink(filepath.Join(real, "init.safetensors"), filepath.Join(other, "init.safetensors"))
	os.Symlink(filepath.Join(real, "data"), filepath.Join(other, "data"))
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"study", "run", filepath.Join(real, "s.json"), "--out", out, "--threads", "1"}
	if log, code := commandAt(t, link, args...); code != 0 {
		t.Fatalf("started from %s: exit %d\n%s", link, code, log)
	}
	if log, code := commandAt(t, other, append(args, "--epochs", "2")...); code != 2 || !strings.Contains(log, "another folder") ||
		!strings.Contains(log, filepath.Join(other, "net.json")) {
		t.Errorf("continued from %s, with another net.json: exit %d, want 2 saying it was trained from another folder\n%s", other, code, log)
	}
}

// A run started through the link and resumed from the real folder with
// its settings given again (a job script's command line, with --resume),
// and the reverse, resumes: its model file, initial weights and --out are
// the ones it recorded, and its final weights, recorded inside its folder,
// are written there. Another file of the same name is still refused.
func TestResumeThroughLinkedFolder(t *testing.T) {
	link, real := linkedWorkdir(t)
	for i, order := range [][2]string{{link, real}, {real, link}} {
		first, then := order[0], order[1]
		name := []string{"run-a", "run-b"}[i]
		files := []string{"--model", "net.json", "--init-weights", "init.safetensors", "--data-dir", "data", "--no-verify", "--train-limit", "200", "--threads", "1"}
		if log, code := commandAt(t, first, append([]string{"train", "--epochs", "1", "--out", name, "--save-weights", name + "/final.safetensors"}, files...)...); code != 0 {
			t.Fatalf("started from %s: exit %d\n%s", first, code, log)
		}
		// Its settings given again, then its --out as first spelled.
		for i, more := range [][]string{files, {"--out", filepath.Join(first, name), "--threads", "1"}} {
			epochs := 2 + i
			log, code := commandAt(t, then, append([]string{"train", "--resume", name, "--epochs", strconv.Itoa(epochs)}, more...)...)
			if code != 0 {
				t.Fatalf("started from %s, resumed from %s with %q: exit %d, want 0\n%s", first, then, more, code, log)
			}
			if c, err := run.ReadResult(filepath.Join(real, name)); err != nil || c.Epochs != epochs {
				t.Errorf("from %s then %s: the run has not trained %d epochs (%v)", first, then, epochs, err)
			}
		}
		if !recordsPrefix(t, filepath.Join(real, name, "config.json"), first) {
			t.Errorf("from %s then %s: config.json does not record the files as %s named them", first, then, first)
		}
	}
	other := filepath.Join(filepath.Dir(real), "other")
	os.MkdirAll(other, 0o755)
	writeNet(t, other)
	log, code := commandAt(t, other, "train", "--resume", filepath.Join(real, "run-a"), "--epochs", "3", "--model", "net.json", "--threads", "1")
	if code != 2 || !strings.Contains(log, "--model net.json") {
		t.Errorf("resumed with another net.json: exit %d, want 2 naming --model\n%s", code, log)
	}
}

// A run that died in its first epoch, started through the link, is
// started again by the same command from the real folder, and the reverse,
// as from the folder it was started in: its folder holds an unfinished
// attempt of the same settings, not another run (exit 2, "already holds a
// run"). Here the attempt diverges each time, within its first epoch.
func TestUnfinishedAttemptThroughLinkedFolder(t *testing.T) {
	link, real := linkedWorkdir(t)
	const deep = `{"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 32, "activation": "relu"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}`
	os.WriteFile(filepath.Join(real, "deep.json"), []byte(deep), 0o644)
	for i, order := range [][2]string{{link, real}, {real, link}} {
		name := []string{"run-a", "run-b"}[i]
		args := []string{"train", "--model", "deep.json", "--data-dir", "data", "--no-verify", "--train-limit", "200", "--threads", "1",
			"--optimizer", "sgd", "--lr", "1e30", "--epochs", "1", "--out", name}
		for _, from := range order {
			if log, code := commandAt(t, from, args...); code != 1 || !strings.Contains(log, "no epoch completed") {
				t.Errorf("the attempt in %s from %s (started from %s): exit %d, want 1 saying no epoch completed\n%s", name, from, order[0], code, log)
			}
		}
	}
}
