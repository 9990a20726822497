package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// What a run saves and reports must be right or absent: each test here is
// a mistake a user met (issue "what it saves and reports can be trusted").

var smallData = []string{"--data-dir", small, "--no-verify", "--quiet"}

func exitCode(err error) int {
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// output runs the command as a process and returns its stdout, stderr and
// exit code.
func output(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := command(args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
	}
	return so.String(), se.String(), code
}

func readResult(t *testing.T, dir string) run.Result {
	t.Helper()
	r, err := run.ReadResult(dir)
	if err != nil {
		t.Fatal(err)
	}
	return *r
}

func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		st, _ := e.Info()
		out[e.Name()] = st.ModTime()
	}
	return out
}

// A resumed run keeps the best value: the best checkpoint and result.json
// name the epoch with the lowest val_loss over the whole run.
func TestResumeKeepsBestCheckpoint(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--optimizer", "sgd", "--lr", "0.5", "--train-limit", "600", "--out", out}, smallData...)
	if err := cliRun(append(args, "--epochs", "3")...); err != nil {
		t.Fatal(err)
	}
	if err := cliRun("train", "--resume", out, "--epochs", "6", "--quiet"); err != nil {
		t.Fatal(err)
	}
	fh, _ := os.Open(filepath.Join(out, "history.json"))
	h, err := engine.ReadHistoryJSON("history.json", fh)
	fh.Close()
	if err != nil || len(h.Logs) != 6 {
		t.Fatalf("history: %v %v", h, err)
	}
	best, at := h.Logs[0]["val_loss"], 0
	for e, l := range h.Logs {
		if l["val_loss"] < best {
			best, at = l["val_loss"], e
		}
	}
	r := readResult(t, out)
	want, _ := engine.FormatTemplate(run.DefaultCheckpoint(true), at+1, h.Logs[at])
	if r.BestValue != best || r.BestCheckpoint != want {
		t.Errorf("best checkpoint %s (%g), want %s (%g)", r.BestCheckpoint, r.BestValue, want, best)
	}
	ckpts, _ := filepath.Glob(filepath.Join(out, "weights0.*"))
	for _, p := range ckpts {
		m := ckptName.FindStringSubmatch(filepath.Base(p))
		e, _ := strconv.Atoi(m[1])
		if e > 1 && h.Logs[e-1]["val_loss"] >= bestBefore(h, e-1) {
			t.Errorf("%s was written though epoch %d did not improve val_loss", p, e)
		}
	}
}

// bestBefore is the lowest val_loss of the epochs before e.
func bestBefore(h *engine.History, e int) float64 {
	b := math.Inf(1)
	for _, l := range h.Logs[:e] {
		b = min(b, l["val_loss"])
	}
	return b
}

var ckptName = regexp.MustCompile(`^weights0\.(\d+)-`)

// Resuming a finished run has nothing to do: exit 0, a clear line, nothing
// rewritten; flags given with --resume apply or are refused by name.
func TestResumeFinishedRunAndFlags(t *testing.T) {
	out := t.TempDir()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "300", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	before := mtimes(t, out)
	_, stderr, code := output(t, "train", "--resume", out)
	if code != 0 || !strings.Contains(stderr, "nothing to do: "+out+" finished its 2 epochs; pass --epochs N to extend") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// A budget below the steps it trained (8) was called its spent budget
	// and written into config.json over them. The run had no budget: it is
	// not told one is "raised, not lowered".
	if err := cliRun("train", "--resume", out, "--max-steps", "5"); exitCode(err) != 2 ||
		!strings.Contains(fmt.Sprint(err), "--max-steps 5: "+out+" has trained 8 steps with no step budget; a budget of 5 would end before them") {
		t.Errorf("--max-steps below the steps trained: %v", err)
	}
	if after := mtimes(t, out); len(after) != len(before) {
		t.Errorf("files changed: %v → %v", before, after)
	} else {
		for k, v := range before {
			if !after[k].Equal(v) {
				t.Errorf("%s was rewritten", k)
			}
		}
	}
	err := cliRun("train", "--resume", out, "--epochs", "3", "--lr", "0.1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--lr 0.1") {
		t.Errorf("--lr with --resume: %v", err)
	}
	// Its own folder as --out, spelled otherwise, is no other folder.
	if err := cliRun("train", "--resume", out, "--epochs", "3", "--model", "mlp", "--out", out+string(filepath.Separator), "--quiet"); err != nil {
		t.Errorf("--epochs (and an unchanged --model and --out) with --resume: %v", err)
	}
	if r := readResult(t, out); r.Epochs != 3 {
		t.Errorf("extended run has %d epochs, want 3", r.Epochs)
	}
}

// An output folder holding a run is not silently mixed with another.
func TestOutputFolderHoldingARunIsRefused(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	err := cliRun(append(args, "--batch-size", "32")...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--resume") || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("second run into the folder: %v", err)
	}
	// Nor with a user's file: --overwrite replaces a run, never one among
	// other files, and removes nothing.
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	before := snapshot(t, out)
	err = cliRun(append(args, "--overwrite", "--seed", "2")...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "holds files no run writes (notes.txt)") {
		t.Errorf("--overwrite beside a user's notes.txt: %v, want exit 2 naming it", err)
	}
	sameFiles(t, "--overwrite beside a user's notes.txt", before, snapshot(t, out))
	// A run that fails before training leaves no empty folder behind.
	fresh := filepath.Join(t.TempDir(), "never")
	if err := cliRun("train", "--model", "mlp", "--data-dir", filepath.Join(t.TempDir(), "nothing"), "--offline", "--out", fresh); err == nil {
		t.Fatal("training without data succeeded")
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Error("a run that failed before training left its --out folder")
	}
}

// evaluate and predict use the model stored in the weights file, and refuse
// a --model that contradicts it.
func TestEvaluateUsesStoredModel(t *testing.T) {
	out := t.TempDir()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--activation", "sigmoid", "--optimizer", "sgd", "--lr", "0.5",
		"--epochs", "1", "--train-limit", "600", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(out, "final.safetensors")
	stored, _, code := output(t, "evaluate", "--weights", final, "--data-dir", small, "--no-verify")
	named, _, _ := output(t, "evaluate", "--weights", final, "--model", "mlp", "--activation", "sigmoid", "--data-dir", small, "--no-verify")
	if code != 0 || stored == "" || stored != named {
		t.Errorf("evaluate with the stored model: %q (exit %d); naming it: %q", stored, code, named)
	}
	err := cliRun("evaluate", "--weights", final, "--model", "mlp", "--data-dir", small, "--no-verify")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "sigmoid") || !strings.Contains(err.Error(), final) {
		t.Errorf("evaluate --model mlp on sigmoid weights: %v", err)
	}
	// The run's state is not weights: it was "stores no model", and with
	// --model "no tensor dense_1.kernel".
	state := filepath.Join(out, run.StateFile)
	for _, args := range [][]string{{"evaluate", "--weights", state}, {"evaluate", "--weights", state, "--model", "mlp", "--activation", "sigmoid"},
		{"train", "--init-weights", state, "--model", "mlp", "--epochs", "1", "--out", filepath.Join(out, "from-state")}} {
		if err := cliRun(append(args, "--data-dir", small, "--no-verify")...); err == nil || !strings.Contains(err.Error(), state+" is a run's training state") {
			t.Errorf("%s of a state file: %v", args[0], err)
		}
	}
	// Flipped bytes in the tensor data are caught by the checksum.
	raw, _ := os.ReadFile(final)
	for i := len(raw) - 40; i < len(raw)-36; i++ {
		raw[i] ^= 0xff
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, raw, 0o644)
	if err := cliRun("evaluate", "--weights", bad, "--data-dir", small, "--no-verify"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("evaluate of corrupt weights: %v", err)
	}
	// predict classifies every readable file and fails at the end.
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("not an image"), 0o644)
	images := filepath.Join(small, "t10k-images-idx3-ubyte.gz")
	stdout, stderr, code := output(t, "predict", "--weights", final, "--limit", "2", images, notes, images)
	if code == 0 || strings.Count(stdout, "t10k-images-idx3-ubyte.gz[1]") != 2 || !strings.Contains(stderr, "notes.txt") {
		t.Errorf("predict with a text file in the middle: exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, _ := os.Stat(final)
	if st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("%s has mode %v; output files are readable by others (0644)", final, st.Mode().Perm())
	}
}

// Smaller things a user reads.
func TestWhatTheUserReads(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out},
		"--data-dir", small, "--no-verify")...)
	if code != 0 || !strings.Contains(stdout, "Trained 1 epoch (") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress written to a log (not a terminal) has carriage returns: %q", stderr)
	}
	err := cliRun("train", "--activation", "softmax")
	if exitCode(err) != 2 || strings.Contains(strings.SplitN(err.Error(), "want", 2)[1], "softmax") {
		t.Errorf("--activation softmax: %v", err)
	}
	help, _, _ := output(t, "train", "--help")
	for _, flag := range []string{"--lr value", "--weight-decay value"} {
		i := strings.Index(help, flag)
		if i < 0 {
			t.Fatalf("--help lacks %s", flag)
		}
		line := help[i : i+strings.Index(help[i:], "\n")]
		if strings.Count(line, "(default:") != 1 {
			t.Errorf("--help line %q does not give one default", line)
		}
	}
}

// A study is validated as a whole before anything runs; its folder
// remembers it; a failed cell is retried.
func TestStudyValidationMemoryAndRetry(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(src), 0o644)
		return p
	}
	typo := write("typo.json", `{"name":"t","axes":[{"name":"learning-rate","values":["0.1","0.01"]}],"seeds":[1],"fixed":{"model":"mlp"}}`)
	out := filepath.Join(dir, "typo")
	err := cliRun("study", "run", typo, "--out", out, "--data-dir", small, "--no-verify")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `"learning-rate"`) || !strings.Contains(err.Error(), `"lr"`) {
		t.Errorf("typo'd axis: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a study refused as written still wrote its folder")
	}

	// A cell that fails at run time (its folder holds a user's file, which
	// no run's folder does: found when the cell claims its folder, not when
	// the study is planned) is recorded with its error, the exit code says
	// so, and a rerun tries it again. (A missing --init-weights failed them
	// so, but is now refused before anything trains:
	// TestStudyRefusesAMissingInitWeightsFile.)
	spec := write("s.json", `{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`)
	out = filepath.Join(dir, "s")
	var notes []string
	for _, cell := range []string{"optimizer=sgd,seed=1", "optimizer=adam,seed=1"} {
		p := filepath.Join(out, "cells", cell, "notes.txt")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("mine"), 0o644)
		notes = append(notes, p)
	}
	err = cliRun("study", "run", spec, "--out", out, "--data-dir", small, "--no-verify")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "2 of 2 cells failed") {
		t.Errorf("failing cells: %v", err)
	}
	failed, _ := filepath.Glob(filepath.Join(out, "cells", "*", "failed.txt"))
	if len(failed) != 2 {
		t.Errorf("%d failed.txt, want 2", len(failed))
	}
	for _, p := range failed {
		if why := string(mustRead(t, p)); !strings.Contains(why, "notes.txt") {
			t.Errorf("%s does not name notes.txt: %s", p, why)
		}
	}
	for _, p := range notes {
		os.Remove(p)
	}
	if err := cliRun("study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"); err != nil {
		t.Fatalf("rerun after the cause was fixed: %v", err)
	}
	failed, _ = filepath.Glob(filepath.Join(out, "cells", "*", "failed.txt"))
	done, _ := filepath.Glob(filepath.Join(out, "cells", "*", "result.json"))
	if len(failed) != 0 || len(done) != 2 {
		t.Errorf("after the rerun: %d failed, %d done", len(failed), len(done))
	}

	// The same folder with other settings is refused, naming the difference;
	// more epochs extend every cell.
	changed := write("s2.json", strings.Replace(string(mustRead(t, spec)), `"train-limit":"300"`, `"train-limit":"400"`, 1))
	err = cliRun("study", "run", changed, "--out", out, "--data-dir", small, "--no-verify")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "train-limit: 300 vs 400") {
		t.Errorf("changed study into the same folder: %v", err)
	}
	if err := cliRun("study", "run", spec, "--out", out, "--epochs", "2", "--data-dir", small, "--no-verify"); err != nil {
		t.Fatal(err)
	}
	for _, d := range done {
		if r := readResult(t, filepath.Dir(d)); r.Epochs != 2 {
			t.Errorf("%s: %d epochs after --epochs 2", d, r.Epochs)
		}
	}
	var st struct {
		Fixed map[string]string `json:"fixed"`
	}
	json.Unmarshal(mustRead(t, filepath.Join(out, "study.json")), &st)
	if st.Fixed["epochs"] != "2" {
		t.Errorf("study.json does not remember the extension: %v", st.Fixed)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A run killed after its last epoch's state but before its final weights
// and result is finished by --resume: the same weights and result as the
// run that was not killed. So is one extended by --resume --epochs that
// stopped there: its folder holds the result and weights of the shorter
// run, which were taken for this one's ("nothing to do").
func TestResumeFinishesATrainedRun(t *testing.T) {
	dir := t.TempDir()
	runArgs := func(out, epochs string) []string {
		return append([]string{"train", "--model", "mlp", "--epochs", epochs, "--train-limit", "300", "--out", out}, smallData...)
	}
	whole, shorter := filepath.Join(dir, "whole"), filepath.Join(dir, "shorter")
	if err := cliRun(runArgs(whole, "2")...); err != nil {
		t.Fatal(err)
	}
	if err := cliRun(runArgs(shorter, "1")...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, earlier string }{{"first", ""}, {"extended", shorter}} {
		t.Run(c.name, func(t *testing.T) { finishKilled(t, whole, filepath.Join(dir, c.name), c.earlier) })
	}
}

// finishKilled makes killed the folder of the run in whole killed before its
// final weights and result (holding those of the run in earlier, if any),
// resumes it and compares what it finishes with whole.
func finishKilled(t *testing.T, whole, killed, earlier string) {
	t.Helper()
	os.MkdirAll(killed, 0o755)
	entries, _ := os.ReadDir(whole)
	for _, e := range entries {
		if e.Name() != run.ResultFile && e.Name() != run.FinalFile {
			os.WriteFile(filepath.Join(killed, e.Name()), mustRead(t, filepath.Join(whole, e.Name())), 0o644)
		} else if earlier != "" {
			os.WriteFile(filepath.Join(killed, e.Name()), mustRead(t, filepath.Join(earlier, e.Name())), 0o644)
		}
	}
	_, stderr, code := output(t, "train", "--resume", killed, "--quiet")
	if code != 0 || !strings.Contains(stderr, "finishing "+killed) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, b := readResult(t, whole), readResult(t, killed)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("finished result %+v, uninterrupted %+v", b, a)
	}
	wa, _, _ := engine.ReadWeightsFile(filepath.Join(whole, run.FinalFile))
	wb, _, err := engine.ReadWeightsFile(filepath.Join(killed, run.FinalFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, ta := range wa {
		for i := range ta.Data {
			if ta.Data[i] != wb[name].Data[i] {
				t.Fatalf("%s[%d] differs", name, i)
			}
		}
	}
}
