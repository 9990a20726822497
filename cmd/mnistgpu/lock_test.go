package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mnistgpu/run"
)

// One writer per folder (issue 22): a second train or study process on a
// folder in use is refused or takes other cells, and a SIGKILLed holder
// leaves no stale lock. Every holder here is a real process.

// TestLockHolderProcess is no test of its own: it is the process holdLock
// starts, which takes a folder's lock, says so, and keeps it until it is
// killed or its stdin closes.
func TestLockHolderProcess(t *testing.T) {
	dir := os.Getenv("MNISTGPU_TEST_HOLD")
	if dir == "" {
		t.Skip("the lock-holding process of the lock tests")
	}
	l, err := run.LockFolder(dir)
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	l.Unlock()
	os.Exit(0)
}

// holdLock starts a process that holds dir's lock, returning once it does;
// args follow its command line (which its lock file records).
func holdLock(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestLockHolderProcess$"}, args...)...)
	cmd.Env = append(os.Environ(), "MNISTGPU_TEST_HOLD="+dir)
	stdin, err := cmd.StdinPipe() // open while the test runs: the holder's life line
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("lock holder: %q", line)
	}
	return cmd
}

// kill ends a process with SIGKILL, which runs none of its code.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// readUntil reads lines from r into seen until one contains want.
func readUntil(t *testing.T, r *bufio.Reader, seen *strings.Builder, want string) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		seen.WriteString(line)
		if strings.Contains(line, want) {
			return
		}
		if err != nil {
			t.Fatalf("the process ended without saying %q:\n%s", want, seen)
		}
	}
}

// startHolder starts the training process args and returns once it has
// trained an epoch (its stderr says "Epoch 2/": its config.json and epoch
// 1's state are written, its locks held), the rest of its stderr drained;
// the test's cleanup kills it.
func startHolder(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd, r, _ := startUntil(t, "Epoch 2/", args...)
	go io.Copy(io.Discard, r)
	return cmd
}

// startUntil starts the process args and returns once a line of its stderr
// contains want: the stderr read so far is in seen, the rest is r's; the
// test's cleanup kills the process.
func startUntil(t *testing.T, want string, args ...string) (cmd *exec.Cmd, r *bufio.Reader, seen *strings.Builder) {
	t.Helper()
	cmd = command(args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r, seen = bufio.NewReader(stderr), &strings.Builder{}
	readUntil(t, r, seen, want)
	return cmd, r, seen
}

// snapshot is every file of dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		out[e.Name()] = string(mustRead(t, filepath.Join(dir, e.Name())))
	}
	return out
}

// sameFiles fails unless after holds exactly before's files, unchanged.
func sameFiles(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for name, content := range before {
		if got, ok := after[name]; !ok {
			t.Errorf("%s: %s was removed", what, name)
		} else if got != content {
			t.Errorf("%s: %s was rewritten", what, name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s: %s was written", what, name)
		}
	}
}

// A training run holds its folder: a second run into it, --overwrite and
// --resume are refused at once (exit 2, naming the holder's pid) and
// change nothing; once the holder is SIGKILLed the folder is free again.
func TestTrainHoldsItsFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--out", out}, smallData...)
	first := startHolder(t, append(args, "--epochs", "100000")...)
	pid := fmt.Sprintf("pid %d ", first.Process.Pid)
	for _, second := range [][]string{
		append(args, "--epochs", "1", "--seed", "2"),
		append(args, "--epochs", "1", "--overwrite"),
		{"train", "--resume", out, "--quiet", "--epochs", "2"},
	} {
		err := cliRun(second...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), pid) || !strings.Contains(err.Error(), "in use") {
			t.Errorf("%v while %s trains: %v", second[len(second)-2:], pid, err)
		}
	}
	kill(t, first)
	if _, err := os.Stat(filepath.Join(out, run.LockFile)); err != nil {
		t.Fatalf("the killed run left no lock file to test with: %v", err)
	}
	// The killed run's state is whole, and its folder free: --epochs as
	// many as it trained (however many it reached before the kill) finishes
	// it (weights and result of the epochs it trained).
	_, ck, err := run.LoadResume(out)
	if err != nil {
		t.Fatalf("the killed run's state: %v", err)
	}
	trained := ck.NextEpoch
	if ck.EpochStep > 0 {
		trained++
	}
	if err := cliRun("train", "--resume", out, "--quiet", "--epochs", strconv.Itoa(max(1, trained))); err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, run.LockFile)); err == nil {
		t.Error("the lock file is left after a run that ended")
	}
}

// A refused writer changes nothing: with a finished run, a user's file and
// a temporary being saved in a folder whose lock another process holds, a
// new run, --overwrite and --resume --epochs 2 exit 2 naming the holder and
// leave every file as it was.
func TestRefusedWriterChangesNothing(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "mybackup.safetensors"), []byte("mine"), 0o644)
	// A save in progress, as far as a writer without the lock can tell: a
	// dead writer's temporary is removed only by the lock's holder.
	os.WriteFile(filepath.Join(out, "."+run.StateFile+".tmp1"), []byte("saving"), 0o644)
	before := snapshot(t, out)
	holder := holdLock(t, out)
	pid := fmt.Sprintf("pid %d ", holder.Process.Pid)
	// Each from its own copy of args: appended to args itself, the second
	// wrote over the first's "--seed", which ran as "--overwrite 2".
	for _, second := range [][]string{
		append(slices.Clone(args), "--seed", "2"),
		append(slices.Clone(args), "--overwrite"),
		{"train", "--resume", out, "--quiet", "--epochs", "2"},
	} {
		err := cliRun(second...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), pid) {
			t.Errorf("%v: %v, want exit 2 naming %s", second[len(second)-2:], err, pid)
		}
	}
	after := snapshot(t, out)
	delete(after, run.LockFile) // the holder's
	sameFiles(t, "refused writers", before, after)
}

// Processes of one study share its folder: one waits while another plans,
// leaves the cells another holds to it (saying so) and trains the rest; a
// different study is refused while cells are held; the cell of a SIGKILLed
// holder is free again, and a rerun trains it alone.
func TestStudyTakesOnlyCellsNobodyHolds(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	out := filepath.Join(dir, "out")
	held := filepath.Join(out, "cells", "optimizer=sgd,seed=1")
	planner, trainer := holdLock(t, out), holdLock(t, held)

	study, r, seen := startUntil(t, fmt.Sprintf("is being planned by pid %d ", planner.Process.Pid),
		"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify")
	kill(t, planner)
	rest, _ := io.ReadAll(r)
	seen.Write(rest)
	if err := study.Wait(); err != nil {
		t.Fatalf("study beside a held cell: %v\n%s", err, seen)
	}
	for _, want := range []string{fmt.Sprintf("optimizer=sgd,seed=1: skipped: pid %d ", trainer.Process.Pid),
		"optimizer=adam,seed=1: test accuracy", "1 run now, 1 left to the processes training them"} {
		if !strings.Contains(seen.String(), want) {
			t.Errorf("the study does not say %q:\n%s", want, seen)
		}
	}
	if _, err := os.Stat(filepath.Join(held, run.ResultFile)); err == nil {
		t.Error("the held cell was trained")
	}

	changed := filepath.Join(dir, "changed.json")
	os.WriteFile(changed, []byte(strings.Replace(string(mustRead(t, spec)), `"300"`, `"400"`, 1)), 0o644)
	_, msg, code := output(t, "study", "run", changed, "--out", out, "--data-dir", small, "--no-verify")
	if code != 2 || !strings.Contains(msg, "holds another study") {
		t.Errorf("another study into the folder: exit %d\n%s", code, msg)
	}

	kill(t, trainer)
	adam := mtimes(t, filepath.Join(out, "cells", "optimizer=adam,seed=1"))
	_, msg, code = output(t, "study", "run", spec, "--out", out, "--data-dir", small, "--no-verify")
	if code != 0 || !strings.Contains(msg, "1 already complete; 1 to run") {
		t.Errorf("rerun after the holder died: exit %d\n%s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(held, run.ResultFile)); err != nil {
		t.Error("the cell of the killed holder was not trained")
	}
	if now := mtimes(t, filepath.Join(out, "cells", "optimizer=adam,seed=1")); now[run.ResultFile] != adam[run.ResultFile] {
		t.Error("the finished cell was trained again")
	}
}

// Two identical `study run` processes started together train every cell
// once between them.
func TestTwoStudyProcessesTrainEachCellOnce(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1,2],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	out := filepath.Join(dir, "out")
	var procs [2]*exec.Cmd
	var logs [2]strings.Builder
	for i := range procs {
		procs[i] = command("study", "run", spec, "--out", out, "--jobs", "1", "--data-dir", small, "--no-verify")
		procs[i].Stderr = &logs[i]
		if err := procs[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("study process %d: %v\n%s", i+1, err, &logs[i])
		}
	}
	cells, _ := filepath.Glob(filepath.Join(out, "cells", "*"))
	if len(cells) != 4 {
		t.Fatalf("%d cell folders, want 4", len(cells))
	}
	for _, c := range cells {
		if n := strings.Count(string(mustRead(t, filepath.Join(c, "train.log"))), " parameters, "); n != 1 {
			t.Errorf("%s trained %d times:\n%s\n%s", filepath.Base(c), n, &logs[0], &logs[1])
		}
		if _, err := os.Stat(filepath.Join(c, run.ResultFile)); err != nil {
			t.Errorf("%s: no result", filepath.Base(c))
		}
	}
}
