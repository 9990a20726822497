package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jobScriptStandIn stands in for `mnistgpu study run` under the job
// script: it makes its cell's folder, says it is ready once it watches
// USR1, and on USR1 appends the stopped record a stop saves, with the
// steps in all of FAKE_STEPS, and exits 138 as mnistgpu does.
const jobScriptStandIn = `#!/bin/bash
out= prev=
for a; do [ "$prev" = --out ] && out=$a; prev=$a; done
mkdir -p "$out/cells/c"
trap 'printf "{\"epoch\":1,\"event\":\"stopped\",\"step\":0,\"steps\":%s}\n" "$FAKE_STEPS" >>"$out/cells/c/metrics.jsonl"; exit 138' USR1
: >"$FAKE_READY"
while :; do sleep 0.01; done
`

// TestJobScriptRequeuesOnlyAfterProgress runs docs/study.md's Slurm job
// script as Slurm starts a task, with stand-ins for bin/mnistgpu, squeue
// (the task is running) and scontrol (records its arguments), and sends
// its shell the TERM of --signal=B:TERM@N. A task whose stopped run
// trained steps requeues itself; one stopped before its first step does
// not, saying why: it requeued itself after every stop, so a warning at
// or before the start (--signal's @N not below --time) requeued it
// without end, training nothing. make test-slurm requeues tasks that
// trained on a real Slurm.
func TestJobScriptRequeuesOnlyAfterProgress(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, c := range []struct {
		name    string
		before  string // the cell's metrics.jsonl when the task starts ("": no cell yet)
		steps   int    // the steps in all that the stop saves
		requeue bool
		says    string
	}{
		{"a first run that trained", "", 7, true, "7 steps trained in this run: requeueing 99_1"},
		{"a first run stopped before its first step", "", 0, false, "(shard 1 holds 0 steps, as when it started): not requeueing 99_1"},
		{"a resumed run that trained", `{"event":"resumed","step":3,"steps":40}` + "\n", 52, true, "12 steps trained in this run: requeueing 99_1"},
		{"a resumed run stopped before its first step", `{"event":"resumed","step":3,"steps":40}` + "\n" + `{"event":"stopped","step":3,"steps":40}` + "\n", 40, false, "without training a step in this run (shard 1 holds 40 steps, as when it started): not requeueing 99_1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(dir, "study.sbatch")
			fakes := filepath.Join(dir, "fakes")
			calls := filepath.Join(dir, "scontrol.txt")
			ready := filepath.Join(dir, "ready")
			for path, text := range map[string]string{
				script:                                docSnippet(t, "../../docs/study.md", "study.sbatch"),
				filepath.Join(dir, "bin", "mnistgpu"): jobScriptStandIn,
				filepath.Join(fakes, "squeue"):        "#!/bin/bash\necho RUNNING\n",
				filepath.Join(fakes, "scontrol"):      "#!/bin/bash\necho \"$*\" >>" + calls + "\n",
			} {
				os.MkdirAll(filepath.Dir(path), 0o777)
				if err := os.WriteFile(path, []byte(text), 0o777); err != nil {
					t.Fatal(err)
				}
			}
			if c.before != "" {
				cell := filepath.Join(dir, "shards", "1", "cells", "c")
				os.MkdirAll(cell, 0o777)
				if err := os.WriteFile(filepath.Join(cell, "metrics.jsonl"), []byte(c.before), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", script, "--shards", "1")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+fakes+string(os.PathListSeparator)+os.Getenv("PATH"),
				"SLURM_ARRAY_TASK_ID=1", "SLURM_JOB_ID=100", "SLURM_ARRAY_JOB_ID=99", "SLURM_ARRAY_TASK_MIN=1",
				"SLURM_ARRAY_TASK_MAX=1", "FAKE_READY="+ready, "FAKE_STEPS="+strconv.Itoa(c.steps))
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the stand-in never started:\n%s%s", stdout.String(), stderr.String())
				}
			}
			cmd.Process.Signal(syscall.SIGTERM) // --signal=B:TERM@N: to the batch shell
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 138 {
				t.Fatalf("exit %v, want 138 (the stand-in's, stopped by the USR1 passed on):\n%s%s", err, stdout.String(), stderr.String())
			}
			requeued, _ := os.ReadFile(calls)
			want := ""
			if c.requeue {
				want = "requeue 99_1"
			}
			if got := strings.TrimSpace(string(requeued)); got != want {
				t.Errorf("scontrol called with %q, want %q", got, want)
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, c.says) {
				t.Errorf("the script said:\n%s\nwant %q", out, c.says)
			}
		})
	}
}
