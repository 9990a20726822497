package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// Each test here is an edge of resuming and rerunning a run that a user
// met (issue "every setting honoured or refused before the run starts").

// commandIn is command run from the folder dir.
func commandIn(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := command(args...)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Dir = exe, dir
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// writeSubset writes the first n training images of the small set (and its
// test set) as uncompressed IDX files into dir: other data.
func writeSubset(t *testing.T, dir string, n int) {
	t.Helper()
	set, err := mnist.LoadDir(small, false)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o755)
	train := set.Train.Head(n)
	for i, d := range []engine.Dataset{train, set.Test} {
		var img, lab bytes.Buffer
		mnist.WriteImages(&img, d.Images, d.Len(), d.Shape[0], d.Shape[1])
		mnist.WriteLabels(&lab, d.Labels)
		os.WriteFile(filepath.Join(dir, strings.TrimSuffix(mnist.Files[2*i].Name, ".gz")), img.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, strings.TrimSuffix(mnist.Files[2*i+1].Name, ".gz")), lab.Bytes(), 0o644)
	}
}

// A run records what it trained on: a resume on other data is refused
// naming the difference; the same data found elsewhere (uncompressed, in
// another folder) resumes; a relative --data-dir is recorded so that a
// resume from another working directory finds it; a state file without a
// record still resumes, saying that the data cannot be checked.
func TestRunsKnowTheirData(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	if err := cliRun("train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out, "--data-dir", small, "--no-verify", "--quiet"); err != nil {
		t.Fatal(err)
	}
	r := readResult(t, out)
	if r.TrainedOn == nil || r.TrainedOn.Train.Count != 2000 || r.TrainedOn.Training != 240 || r.TrainedOn.Validation != 60 || len(r.TrainedOn.ValidationSHA256) != 64 {
		t.Fatalf("result.json's trained_on: %+v", r.TrainedOn)
	}
	other := filepath.Join(dir, "other")
	writeSubset(t, other, 1000)
	err := cliRun("train", "--resume", out, "--epochs", "2", "--data-dir", other, "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "training set of 2000 images there, 1000 here") {
		t.Fatalf("resume on other data: %v", err)
	}
	if h := readResult(t, out); h.Epochs != 1 {
		t.Errorf("the refused resume trained: %d epochs", h.Epochs)
	}
	same := filepath.Join(dir, "same")
	writeSubset(t, same, 2000)
	if err := cliRun("train", "--resume", out, "--epochs", "2", "--data-dir", same, "--quiet"); err != nil {
		t.Fatalf("resume on the same data found elsewhere: %v", err)
	}
	// From another working directory, with the data folder recorded as
	// typed (relative to this one).
	text, code := commandIn(t, t.TempDir(), "train", "--resume", out, "--epochs", "3", "--quiet")
	if code != 0 {
		t.Fatalf("resume from another directory: exit %d\n%s", code, text)
	}
	// A state file of an earlier version: no record beside its settings.
	path := filepath.Join(out, run.StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	json.Unmarshal(ck.Config, &fields)
	delete(fields, "trained_on")
	delete(fields, "sessions")
	ck.Config, _ = json.Marshal(fields)
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := output(t, "train", "--resume", out, "--epochs", "4", "--data-dir", other, "--quiet")
	if code != 0 || !strings.Contains(stderr, "the data cannot be checked") {
		t.Errorf("resume of an earlier version's state: exit %d\n%s", code, stderr)
	}
}

// A study continued on other data is refused before any cell trains.
func TestStudyOnOtherDataIsRefused(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	out := filepath.Join(dir, "out")
	if err := cliRun("study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	writeSubset(t, other, 1000)
	err := cliRun("study", "run", spec, "--out", out, "--epochs", "2", "--data-dir", other, "--no-verify")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "trained on other data") {
		t.Fatalf("study extended on other data: %v", err)
	}
	cells, _ := filepath.Glob(filepath.Join(out, "cells", "*"))
	for _, c := range cells {
		if r := readResult(t, c); r.Epochs != 1 {
			t.Errorf("%s trained on: %d epochs", c, r.Epochs)
		}
	}
}

// --max-steps is the run's budget of optimizer steps: once spent, a resume
// trains nothing (more --epochs are refused, naming --max-steps); a larger
// budget continues the run. Fewer --epochs than trained are refused.
func TestMaxStepsIsTheRunsBudget(t *testing.T) {
	out := t.TempDir()
	// 512 training images in batches of 64: 8 steps an epoch; 12 stop in epoch 2.
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "3", "--train-limit", "640", "--max-steps", "12", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	// Epoch 1 ended, 4 steps of epoch 2 trained.
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != 4 || r.Steps != 12 || r.Stopped != "max_steps" {
		t.Fatalf("result %+v", r)
	}
	err := cliRun("train", "--resume", out, "--epochs", "5", "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--max-steps 12") {
		t.Errorf("--epochs 5 with the budget spent: %v", err)
	}
	_, stderr, code := output(t, "train", "--resume", out, "--quiet")
	// Within epoch 2, which a larger budget continues: "after 2 of 3
	// epochs" said it had trained 2.
	if code != 0 || !strings.Contains(stderr, "stopped in epoch 2 of 3, after its step 4, at its step budget (--max-steps 12); pass a larger --max-steps") {
		t.Errorf("resume with the budget spent: exit %d\n%s", code, stderr)
	}
	if r := readResult(t, out); r.Epochs != 1 || r.CutSteps != 4 || r.Steps != 12 {
		t.Errorf("a resume with the budget spent trained: %+v", r)
	}
	if err := cliRun("train", "--resume", out, "--max-steps", "30", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, out); r.Epochs != 3 || r.Steps != 24 || r.Stopped != "" {
		t.Errorf("after a larger budget: %+v", r)
	}
	err = cliRun("train", "--resume", out, "--epochs", "2")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "has trained 3 epochs; a run is extended, not shortened") {
		t.Errorf("--epochs below the epochs trained: %v", err)
	}
}

// Extending a run that early stopping ended is Keras's fit called again:
// EarlyStopping starts afresh, so the new epochs train until its patience
// runs out again, not one epoch.
func TestExtendingAnEarlyStoppedRunRearmsIt(t *testing.T) {
	out := t.TempDir()
	// No epoch after the first improves by 10: patience 1 stops epoch 2.
	args := append([]string{"train", "--model", "mlp", "--epochs", "4", "--train-limit", "300", "--early-stopping", "1", "--min-delta", "10", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, out); r.Epochs != 2 || r.Stopped != "early_stopping" {
		t.Fatalf("result %+v", r)
	}
	_, stderr, code := output(t, "train", "--resume", out, "--epochs", "8", "--quiet")
	if code != 0 || !strings.Contains(stderr, "EarlyStopping and ReduceLROnPlateau start afresh") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Epoch 3 is the re-armed callback's first (an improvement on nothing),
	// epoch 4 exhausts its patience.
	if r := readResult(t, out); r.Epochs != 4 || r.Stopped != "early_stopping" {
		t.Errorf("extended early-stopped run: %+v", r)
	}
}

// An --epochs between the epochs an early-stopped run trained and those it
// planned is refused, naming the least that extends it: it was "nothing to
// do" (exit 0), telling to pass the --epochs N just passed.
func TestEarlyStoppedRunRefusesEpochsWithinItsPlan(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--epochs", "4", "--train-limit", "300", "--early-stopping", "1", "--min-delta", "10", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, out); r.Epochs != 2 || r.Stopped != "early_stopping" {
		t.Fatalf("result %+v", r)
	}
	_, stderr, code := output(t, "train", "--resume", out, "--epochs", "3", "--quiet")
	if code != 2 || !strings.Contains(stderr, "--epochs 3: early stopping ended "+out+" after 2 of its 4 planned epochs") ||
		!strings.Contains(stderr, "pass --epochs 5 or more") {
		t.Errorf("--epochs 3: exit %d\n%s", code, stderr)
	}
	for _, extra := range [][]string{nil, {"--epochs", "2"}, {"--epochs", "4"}} {
		_, stderr, code := output(t, append([]string{"train", "--resume", out, "--quiet"}, extra...)...)
		if code != 0 || !strings.Contains(stderr, "nothing to do: "+out+" finished after 2 of 4 epochs (stopped early); pass --epochs 5 or more to extend") {
			t.Errorf("%v: exit %d\n%s", extra, code, stderr)
		}
	}
	if r := readResult(t, out); r.Epochs != 2 {
		t.Errorf("refused and finished resumes trained: %+v", r)
	}
}

// result.json's seconds are the run's, every session together, and each
// session is listed.
func TestResultCountsEverySession(t *testing.T) {
	out := t.TempDir()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "300", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	if err := cliRun("train", "--resume", out, "--epochs", "4", "--quiet"); err != nil {
		t.Fatal(err)
	}
	r := readResult(t, out)
	want := []run.Session{{FirstEpoch: 1, Epochs: 2}, {FirstEpoch: 3, Epochs: 2}}
	total := 0.0
	for i := range r.Sessions {
		total += r.Sessions[i].Seconds
		if r.Sessions[i].Seconds <= 0 {
			t.Errorf("session %d has no time", i+1)
		}
		r.Sessions[i].Seconds = 0
	}
	if !reflect.DeepEqual(r.Sessions, want) || r.Seconds != total {
		t.Fatalf("sessions %+v, seconds %g", r.Sessions, r.Seconds)
	}
	fh, _ := os.Open(filepath.Join(out, "history.json"))
	h, err := engine.ReadHistoryJSON("history.json", fh)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	epochs := 0.0
	for _, s := range h.Seconds {
		epochs += s
	}
	if r.Seconds < epochs {
		t.Errorf("result's %g s are less than its epochs' %g s", r.Seconds, epochs)
	}
}

// A run's config.json runs it again, bit for bit, from another working
// directory into another --out; flags beside --config override it by name.
func TestConfigRerunsARun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	first := filepath.Join(dir, "first")
	if err := cliRun(append(trainArgs(model, first, 2), "--train-limit", "400")...); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(first, run.ConfigFile)
	elsewhere := t.TempDir()
	text, code := commandIn(t, elsewhere, "train", "--config", config, "--out", "again", "--quiet")
	if code != 0 {
		t.Fatalf("train --config: exit %d\n%s", code, text)
	}
	a, b := readWeights(t, filepath.Join(first, run.FinalFile)), readWeights(t, filepath.Join(elsewhere, "again", run.FinalFile))
	if !reflect.DeepEqual(a, b) {
		t.Error("the rerun from config.json has other final weights")
	}
	longer := filepath.Join(dir, "longer")
	if err := cliRun("train", "--config", config, "--out", longer, "--epochs", "3", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, longer); r.Epochs != 3 {
		t.Errorf("--epochs 3 beside --config: %d epochs", r.Epochs)
	}
	err := cliRun("train", "--config", config, "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("--config without --out (the recorded run's folder): %v", err)
	}
	if err := cliRun("train", "--config", config, "--resume", first); exitCode(err) != 2 {
		t.Errorf("--config with --resume: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"epochs": 2, "learning_rate": 0.1}`), 0o644)
	if err := cliRun("train", "--config", bad, "--out", filepath.Join(dir, "x")); exitCode(err) != 2 || !strings.Contains(err.Error(), "learning_rate") {
		t.Errorf("--config with an unknown field: %v", err)
	}
}

// `study run --dry-run` prints every cell with its settings (the learning
// rate included), where it would run, its memory and time, and writes
// nothing.
func TestStudyDryRun(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"model","values":["cnn","mlp"]},{"name":"optimizer","values":["sgd","adam"]}],
		"seeds":[1],"fixed":{"epochs":"2","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := output(t, "study", "run", spec, "--out", out, "--dry-run", "--jobs", "2", "--data-dir", small, "--no-verify")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"study s: 4 cells; 4 to run, 2 cells at once on cpu",
		"model=cnn,optimizer=sgd,seed=1\n  settings: --epochs 2 --optimizer sgd --train-limit 200",
		"learning rate 0.01\n", // SGD's default
		"learning rate 0.001\n",
		"epochs 1-2, in slot ",
		"host memory ≈ ",
		"shared), time ",
		"estimated time: ",
		"nothing was trained or written",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the plan lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("--dry-run wrote the study folder")
	}
}

// A resumed run whose data folder is gone looks for its data where a run
// without --data-dir would (here the user cache) and continues when the
// data found there is what it trained on.
func TestResumeFindsItsDataElsewhere(t *testing.T) {
	dir := t.TempDir()
	data, out, cache := filepath.Join(dir, "data"), filepath.Join(dir, "run"), filepath.Join(dir, "cache")
	writeSubset(t, data, 2000)
	if err := cliRun("train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out, "--data-dir", data, "--no-verify", "--quiet"); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(data)
	writeSubset(t, filepath.Join(cache, "mnistgpu", "mnist"), 2000)
	cmd := command("train", "--resume", out, "--epochs", "2", "--offline", "--quiet")
	cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+cache)
	text, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(text), data+" holds no MNIST now") {
		t.Fatalf("%v\n%s", err, text)
	}
	if r := readResult(t, out); r.Epochs != 2 {
		t.Errorf("%d epochs after the resume", r.Epochs)
	}
}

// `train --config` asks for the device the file records: a cuda run's
// config.json is handed to the runner like --device cuda (without a
// driver: refused, exit code 2).
func TestConfigDeviceGoesToTheRunner(t *testing.T) {
	if !cpuBuild() {
		t.Skip("the cuda build does not hand over")
	}
	config := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(config, []byte(`{"device": {"name": "cuda"}, "model": {"name": "mlp"}}`), 0o644)
	f := &fakeRunner{err: &noGPU{"no NVIDIA driver (libcuda.so.1 not found)"}}
	err, _ := f.run(t, "train", "--config", config, "--out", t.TempDir(), "--data-dir", small, "--no-verify")
	if f.probes != 1 || exitCode(err) != 2 || !strings.Contains(err.Error(), "no NVIDIA driver") {
		t.Errorf("--config of a cuda run: %v, %d probes", err, f.probes)
	}
}

// A rerun from config.json into another --out does not write over the
// first run's final weights at the --save-weights path it records (outside
// its folder): it did, and both runs' result.json named the file. Given
// again, or another path, the rerun goes on.
func TestConfigRerunKeepsTheFirstRunsWeights(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "first.safetensors")
	first := filepath.Join(dir, "first")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", first,
		"--save-weights", weights}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, weights)
	config := filepath.Join(first, run.ConfigFile)
	err := cliRun("train", "--config", config, "--out", filepath.Join(dir, "again"), "--seed", "3", "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--save-weights "+weights) {
		t.Errorf("--config into another --out: %v, want exit 2 naming the recorded --save-weights", err)
	}
	if !bytes.Equal(before, mustRead(t, weights)) {
		t.Error("the rerun wrote over the first run's final weights")
	}
	other := filepath.Join(dir, "other")
	if err := cliRun("train", "--config", config, "--out", other, "--save-weights", filepath.Join(other, run.FinalFile), "--quiet"); err != nil {
		t.Errorf("--config with --save-weights of its own: %v", err)
	}
}

// A run knows its network, not only its model file's path: resumed after
// the file was edited (ReLU to sigmoid, the same shapes), it went on
// training the other network from the first one's weights and evaluated
// its best checkpoint with it. Refused, naming the difference; with the
// file restored it continues.
func TestRunsKnowTheirModel(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	relu := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":16,"activation":"relu"},{"type":"Dense","units":10,"activation":"softmax"}]}`
	os.WriteFile(model, []byte(relu), 0o644)
	out := filepath.Join(dir, "run")
	if err := cliRun(append([]string{"train", "--model", model, "--epochs", "1", "--train-limit", "300", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, []byte(strings.Replace(relu, "relu", "sigmoid", 1)), 0o644)
	err := cliRun("train", "--resume", out, "--epochs", "2", "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "activation relu vs sigmoid") {
		t.Errorf("--resume after the model file changed: %v, want exit 2 naming the difference", err)
	}
	// A rerun from its config.json likewise (it trained the other network),
	// unless --model is given again.
	config := filepath.Join(out, run.ConfigFile)
	err = cliRun("train", "--config", config, "--out", filepath.Join(dir, "again"), "--quiet")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "activation relu vs sigmoid") {
		t.Errorf("--config after the model file changed: %v, want exit 2 naming the difference", err)
	}
	if err := cliRun("train", "--config", config, "--model", model, "--out", filepath.Join(dir, "sigmoid"), "--quiet"); err != nil {
		t.Errorf("--config with --model given again: %v", err)
	}
	os.WriteFile(model, []byte(relu), 0o644)
	if err := cliRun("train", "--resume", out, "--epochs", "2", "--quiet"); err != nil {
		t.Errorf("--resume with the file restored: %v", err)
	}
}
