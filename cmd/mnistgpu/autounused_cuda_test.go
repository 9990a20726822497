//go:build cuda

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A --threads the user gave goes unused where --device auto opens a GPU,
// and is said to, in one line, wherever it was given: in a study file (once
// for the study, not per cell), recorded by a run that is resumed or run
// again with --config, or typed with --resume. (Typed on a new run or a
// study, TestThreadsOnCUDAIsRefused and deviceFlagsReach's tests say it.)
func TestAutoOnGPUSaysGivenThreadsUnused(t *testing.T) {
	dir := t.TempDir()
	const said = "is for the CPU"
	study := func(name, axes, fixed string) string {
		spec := filepath.Join(dir, name+".json")
		os.WriteFile(spec, []byte(`{"axes":[`+axes+`],"seeds":[1],"fixed":{"model":"mlp","device":"auto","epochs":"1","train-limit":"200","data-dir":"`+small+`","no-verify":"true"`+fixed+`}}`), 0o644)
		_, stderr, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, name))
		if code != 0 {
			t.Fatalf("study %s: exit %d: %s", name, code, stderr)
		}
		return stderr
	}
	if s := study("fixed", `{"name":"lr","values":["0.1","0.01"]}`, `,"threads":"2"`); strings.Count(s, said) != 1 ||
		!strings.Contains(s, `the study file's "threads": "2" is for the CPU: the cells' --device auto opens a GPU here, which has no worker threads, so it is not used`) {
		t.Errorf("a study file's \"threads\": \"2\" over two cells that auto puts on a GPU: %q; want it said once", s)
	}
	if s := study("none", `{"name":"lr","values":["0.1"]}`, ``); strings.Contains(s, said) {
		t.Errorf("a study file without threads: %q; want nothing said of threads", s)
	}

	trained := filepath.Join(dir, "run")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--device", "cpu", "--threads", "2", "--epochs", "1", "--train-limit", "200", "--out", trained}, smallData...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		// Before the resumes, which record the run as trained on cuda.
		{[]string{"--config", filepath.Join(trained, run.ConfigFile), "--device", "auto", "--out", filepath.Join(dir, "again")}, "the recorded --threads 2 is for the CPU"},
		{[]string{"--resume", trained, "--device", "auto", "--epochs", "2"}, "the recorded --threads 2 is for the CPU"},
		{[]string{"--resume", trained, "--device", "auto", "--threads", "3", "--epochs", "3"}, "--threads 3 is for the CPU"},
	} {
		_, stderr, code := output(t, append([]string{"train", "--quiet"}, c.args...)...)
		if code != 0 || !strings.Contains(stderr, "device auto: using cuda") || strings.Count(stderr, said) != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("train %v: exit %d, %q; want the run on cuda, saying %q", c.args, code, stderr, c.want)
		}
	}
	// An exported MNISTGPU_THREADS is a default for the CPU: it goes in
	// silence, and replaces the recorded one, which is not said either.
	t.Setenv("MNISTGPU_THREADS", "3")
	if _, stderr, code := output(t, "train", "--quiet", "--resume", trained, "--device", "auto", "--epochs", "4"); code != 0 || strings.Contains(stderr, said) {
		t.Errorf("MNISTGPU_THREADS=3, resumed with --device auto: exit %d, %q; want the run, nothing said of threads", code, stderr)
	}
}
