package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestStudyFlagsAgreeWithTheFile: a `study run` flag that the study file
// sets otherwise is refused (exit 2, naming both, nothing written) — the
// file's value used to replace the flag's silently (`--threads 1` trained
// with the file's 2 threads; `--data-dir` trained on its data while every
// cell recorded the file's folder) and `--epochs` was ignored where the
// file varies the epochs. Without the flag, the file's data settings are
// where the study loads MNIST from.
func TestStudyFlagsAgreeWithTheFile(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(small)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, fixed string, axes string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"axes":[`+axes+`],"seeds":[1],"fixed":{"model":"mlp","train-limit":"200",`+fixed+`}}`), 0o644)
		return p
	}
	threads := write("threads.json", `"epochs":"1","threads":"2"`, `{"name":"lr","values":["0.1"]}`)
	elsewhere := write("elsewhere.json", `"epochs":"1","data-dir":"`+filepath.Join(dir, "nowhere")+`","no-verify":"true"`, `{"name":"lr","values":["0.1"]}`)
	epochs := write("epochs.json", `"lr":"0.1"`, `{"name":"epochs","values":["1","2"]}`)
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{threads, "--threads", "1", "--data-dir", small, "--no-verify"}, `--threads 1 contradicts the study file's fixed "threads": "2"`},
		{[]string{elsewhere, "--data-dir", small}, `--data-dir ` + small + ` contradicts the study file's fixed "data-dir"`},
		{[]string{epochs, "--epochs", "3", "--data-dir", small, "--no-verify"}, `--epochs 3: the study file varies it (axis "epochs")`},
	} {
		out := filepath.Join(dir, fmt.Sprint("out", i))
		err := cliRun(append([]string{"study", "run", "--out", out}, c.args...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit code 2 and %q", c.args, err, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: the study folder was written", c.args)
		}
	}
	// The file's data folder is where the study reads MNIST.
	err = cliRun("study", "run", elsewhere, "--out", filepath.Join(dir, "out"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nowhere")) {
		t.Errorf("a study whose file names a missing data folder: %v", err)
	}
	here := write("here.json", `"epochs":"1","data-dir":"`+abs+`","no-verify":"true","threads":"1"`, `{"name":"lr","values":["0.1"]}`)
	out := filepath.Join(dir, "here")
	if err := cliRun("study", "run", here, "--out", out, "--threads", "1"); err != nil {
		t.Fatal(err)
	}
	cfg, err := run.ReadConfigFile(filepath.Join(out, "cells", "lr=0.1,seed=1", run.ConfigFile))
	if err != nil || cfg.Source.Dir != abs || cfg.Device.Threads != 1 {
		t.Errorf("the cell records data %q and %d threads (%v), want %q and 1", cfg.Source.Dir, cfg.Device.Threads, err, abs)
	}
}

// An environment variable gives a study flag its default, which the study
// file's setting overrides: MNISTGPU_EPOCHS exported was taken for
// --epochs given, and refused a study whose file varies the epochs.
func TestStudyFileOverridesTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "epochs.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"epochs","values":["1","2"]}],"seeds":[1],"fixed":{"model":"mlp","train-limit":"200","threads":"2"}}`), 0o644)
	t.Setenv("MNISTGPU_EPOCHS", "3")
	t.Setenv("MNISTGPU_THREADS", "1")
	if err := cliRun("study", "run", spec, "--out", filepath.Join(dir, "out"), "--data-dir", small, "--no-verify", "--dry-run"); err != nil {
		t.Errorf("study run with MNISTGPU_EPOCHS and MNISTGPU_THREADS exported: %v", err)
	}
	// Where the file leaves the epochs to the environment, a refused value
	// is named by its variable, as train names it (the --epochs nobody
	// typed was named); where the file sets them, the variable is not.
	t.Setenv("MNISTGPU_EPOCHS", "0")
	noEpochs := filepath.Join(dir, "noepochs.json")
	os.WriteFile(noEpochs, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"model":"mlp","train-limit":"200"}}`), 0o644)
	err := cliRun("study", "run", noEpochs, "--out", filepath.Join(dir, "out0"), "--data-dir", small, "--no-verify", "--dry-run")
	if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "MNISTGPU_EPOCHS=0") {
		t.Errorf("study run with MNISTGPU_EPOCHS=0 exported: %v; want exit 2 naming the variable", err)
	}
	os.WriteFile(noEpochs, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"0"}}`), 0o644)
	err = cliRun("study", "run", noEpochs, "--out", filepath.Join(dir, "out0"), "--data-dir", small, "--no-verify", "--dry-run")
	if exitCode(err) != 2 || strings.Contains(fmt.Sprint(err), "MNISTGPU_EPOCHS") {
		t.Errorf("a study file's epochs 0 with MNISTGPU_EPOCHS=0 exported: %v; want exit 2 not naming the variable", err)
	}
}

// A study flag naming the study file's folder written another way
// (./testdata/mnist-small/ for "testdata/mnist-small", or absolute) agrees
// with the file: paths compare as a run records them, and the folder
// written two ways was refused as contradicting the file.
func TestStudyFlagPathAgreesWrittenAnotherWay(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(small)
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200","data-dir":"`+small+`","no-verify":"true"}}`), 0o644)
	for _, same := range []string{"./" + small + "/", abs} {
		if err := cliRun("study", "run", spec, "--out", filepath.Join(dir, "out"), "--data-dir", same, "--dry-run"); err != nil {
			t.Errorf("--data-dir %s beside the file's %q: %v", same, small, err)
		}
	}
}

// A study file that fixes "device": "auto" beside a typed --device cpu is
// refused (exit 2) with nothing before the refusal: the CPU build's probe
// for a GPU ran first and said "device auto: using cpu: ..." for a study
// that was not going to run. The same file without the flag runs, and
// says where auto put it.
func TestStudyDeviceRefusalComesFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	os.WriteFile(file, []byte(`{"axes":[{"name":"lr","values":["0.01"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200","device":"auto"}}`), 0o644)
	data := []string{"--data-dir", small, "--no-verify", "--threads", "1"}
	refused := append([]string{"study", "run", file, "--out", filepath.Join(dir, "refused"), "--device", "cpu"}, data...)
	_, stderr, code := output(t, refused...)
	want := `mnistgpu: --device cpu contradicts the study file's fixed "device": "auto"; give it in one place`
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); code != 2 || len(lines) != 1 || !strings.HasSuffix(lines[0], want) {
		t.Errorf("%v: exit %d, want 2 and the one line %q:\n%s", refused, code, want, stderr)
	}
	ran := append([]string{"study", "run", file, "--out", filepath.Join(dir, "ran")}, data...)
	if _, stderr, code := output(t, ran...); code != 0 || !strings.Contains(stderr, "device auto: using ") {
		t.Errorf("%v: exit %d, want 0 and auto's line:\n%s", ran, code, stderr)
	}
}
