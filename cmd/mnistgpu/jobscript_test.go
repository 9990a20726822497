package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJobScriptShardCount runs docs/study.md's Slurm job script, as
// written there, as Slurm would start its tasks (its environment), with a
// stand-in bin/mnistgpu that records its arguments: the shard count is the
// study's (--shards, then shards/.count), never the array's. A resubmitted
// subset (--array=3,5: MIN 3, MAX 5) before any task recorded the count
// made a study of 3 shards, splitting the cells otherwise than the first
// submission; without --shards it is now refused before training. The
// count is recorded once and a task given another stops; so does a task
// beyond the count. make test-slurm runs the script on a real Slurm.
func TestJobScriptShardCount(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "study.sbatch")
	if err := os.WriteFile(script, []byte(docSnippet(t, "../../docs/study.md", "study.sbatch")), 0o666); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(dir, "calls.txt")
	os.MkdirAll(filepath.Join(dir, "bin"), 0o777)
	fake := "#!/bin/bash\necho \"$*\" >>" + calls + "\n"
	if err := os.WriteFile(filepath.Join(dir, "bin", "mnistgpu"), []byte(fake), 0o777); err != nil {
		t.Fatal(err)
	}
	// task runs array task id of an array MIN-MAX with args; it returns the
	// exit status, stderr and the stand-in's arguments ("" if not run).
	task := func(id, lo, hi int, args ...string) (int, string, string) {
		t.Helper()
		os.Remove(calls)
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", id), fmt.Sprintf("SLURM_JOB_ID=%d", 100+id),
			"SLURM_ARRAY_JOB_ID=99", fmt.Sprintf("SLURM_ARRAY_TASK_MIN=%d", lo), fmt.Sprintf("SLURM_ARRAY_TASK_MAX=%d", hi),
			fmt.Sprintf("SLURM_ARRAY_TASK_COUNT=%d", hi-lo+1))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		code := 0
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		ran, _ := os.ReadFile(calls)
		return code, stderr.String(), strings.TrimSpace(string(ran))
	}
	count := func() string {
		raw, _ := os.ReadFile(filepath.Join(dir, "shards", ".count"))
		return strings.TrimSpace(string(raw))
	}
	refused := func(what string, code int, stderr, ran, want string) {
		t.Helper()
		if code != 2 || !strings.Contains(stderr, want) || ran != "" {
			t.Errorf("%s: exit %d, stderr %q, ran %q; want exit 2 saying %q before training", what, code, stderr, ran, want)
		}
	}
	shard := func(what, ran, want string) {
		t.Helper()
		if !strings.Contains(ran+" ", "--shard "+want+" --out shards/"+strings.Split(want, "/")[0]+" ") {
			t.Errorf("%s ran %q, want shard %s", what, ran, want)
		}
	}

	code, stderr, ran := task(3, 3, 5, "my.json")
	refused("a subset --array=3,5 before the count is recorded", code, stderr, ran, "no shard count: pass --shards N first")
	if c := count(); c != "" {
		t.Errorf("a refused task recorded the count %q", c)
	}
	code, stderr, ran = task(3, 3, 5, "--shards", "0x8")
	refused("--shards 0x8", code, stderr, ran, "--shards wants the study's number of shards, got '0x8'")

	code, stderr, ran = task(5, 3, 5, "--shards", "8", "my.json", "--epochs", "3")
	if code != 0 || count() != "8" {
		t.Fatalf("--shards 8 of a subset: exit %d, %s; count %q", code, stderr, count())
	}
	shard("task 5 of --shards 8", ran, "5/8")
	if !strings.HasPrefix(ran, "study run my.json ") || !strings.HasSuffix(ran, " --epochs 3") {
		t.Errorf("the study's arguments: %q", ran)
	}
	_, _, ran = task(3, 3, 5, "my.json")
	shard("task 3 resubmitted without --shards", ran, "3/8")
	_, _, ran = task(0, 0, 0)
	shard("task 0", ran, "8/8")
	code, stderr, ran = task(3, 3, 5, "--shards", "3", "my.json")
	refused("--shards 3 after 8 were recorded", code, stderr, ran, "--shards 3, but shards/ holds a study of 8 shards")
	// --shards=N is --shards N: it was passed on to study run, which ran
	// the default study (or refused the flag) with the count unchecked.
	_, _, ran = task(4, 3, 5, "--shards=8", "my.json")
	shard("task 4 of --shards=8", ran, "4/8")
	if !strings.HasPrefix(ran, "study run my.json ") || strings.Contains(ran, "--shards") {
		t.Errorf("--shards=8 my.json ran %q", ran)
	}
	code, stderr, ran = task(4, 3, 5, "--shards=3")
	refused("--shards=3 after 8 were recorded", code, stderr, ran, "--shards 3, but shards/ holds a study of 8 shards")
	code, stderr, ran = task(4, 3, 5, "--shards=")
	refused("--shards=", code, stderr, ran, "--shards wants the study's number of shards, got ''")
	code, stderr, ran = task(9, 1, 9, "--shards", "8")
	refused("task 9 of 8 shards", code, stderr, ran, "task 9, but the study has 8 shards")
	if c := count(); c != "8" {
		t.Errorf("the recorded count became %q", c)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "shards", ".count.*")); len(left) > 0 {
		t.Errorf("temporary count files left: %v", left)
	}

	// The task's CPUs become --threads on the CPU only: a study on
	// --device cuda refuses --threads (exit 2), so `study.sbatch --shards 8
	// --device cuda` failed in every task.
	t.Setenv("SLURM_CPUS_PER_TASK", "8")
	for _, c := range []struct {
		args    []string
		threads bool
	}{
		{nil, true},
		{[]string{"--device", "cpu"}, true},
		{[]string{"my.json", "--device", "cuda"}, false},
		{[]string{"--device=cuda:1"}, false},
		{[]string{"--device", "cuda", "--threads", "4"}, true}, // given: mnistgpu says why not
	} {
		_, stderr, ran := task(1, 1, 8, c.args...)
		if got := strings.Contains(ran, "--threads "); got != c.threads || ran == "" {
			t.Errorf("%v with 8 CPUs a task: ran %q (%s), want --threads: %v", c.args, ran, stderr, c.threads)
		}
	}
}
