package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mnistgpu/run"
)

// What a run writes is its own: no output name of one run replaces another
// run's files or its own, and run and study folders never mix (QA of issues
// 22 and 23). Every command here is a real process or the CLI's own entry.

// A run SIGKILLed during its first epoch, before any state exists: --resume
// says that nothing is saved and that the same command starts it, and the
// same command does. SGD with a values: schedule records the schedule's
// first rate, which reading config.json back unsets: the comparison must
// resolve both sides.
func TestKilledInFirstEpochStartsAgain(t *testing.T) {
	out := filepath.Join(t.TempDir(), "X")
	args := append([]string{"train", "--model", "cnn", "--out", out, "--epochs", "2", "--train-limit", "1000",
		"--batch-size", "8", "--optimizer", "sgd", "--lr-schedule", "values:0.05,0.02"}, smallData...)
	cmd, pipe, sc, stderr := startReadingStderr(t, args...)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Epoch 1/2") {
			cmd.Process.Kill()
			break
		}
	}
	io.Copy(stderr, pipe)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, run.StateFile)); err == nil {
		t.Fatalf("the kill came after the first state was saved:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, run.ConfigFile)); err != nil {
		t.Fatalf("the killed run wrote no config.json: %v\n%s", err, stderr)
	}
	_, msg, code := output(t, "train", "--resume", out, "--quiet")
	if code != 2 || !strings.Contains(msg, "the same command without --resume starts it") {
		t.Errorf("--resume after a kill in epoch 1: exit %d\n%s", code, msg)
	}
	if _, msg, code := output(t, args...); code != 0 {
		t.Errorf("the same command again: exit %d\n%s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err != nil {
		t.Errorf("the run started again did not finish: %v", err)
	}
}

// --save-weights and --checkpoint never name a file that is not theirs:
// another run's files, a folder, a study's folder, the run's own state,
// configuration, history, lock... Each is refused before anything runs
// (the data folder here is not there, and nothing is created), exit 2
// naming the flag; the default final weights' name, given explicitly, and a
// numbered checkpoint that cannot be a run's file are fine.
func TestOutputNamesAreTheirOwn(t *testing.T) {
	dir := t.TempDir()
	e1 := filepath.Join(dir, "e1")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", e1}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "st")
	os.MkdirAll(st, 0o755)
	os.WriteFile(filepath.Join(st, "study.json"), []byte("{}"), 0o644)
	e1Before := snapshot(t, e1)
	e2 := filepath.Join(dir, "e2")
	nowhere := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline", "--out", e2}
	for _, c := range []struct{ flag, value, says string }{
		{"save-weights", filepath.Join(e1, run.StateFile), "holds another run"},
		{"save-weights", filepath.Join(e1, run.FinalFile), "holds another run"},
		{"save-weights", filepath.Join(e1, "sub", "w.safetensors"), "holds another run"},
		{"save-weights", e1, "is a folder"},
		{"save-weights", filepath.Join(st, "w.safetensors"), "holds a study"},
		{"save-weights", filepath.Join(e2, run.ConfigFile), "writes itself"},
		{"save-weights", filepath.Join(e2, run.StateFile), "writes itself"},
		{"save-weights", filepath.Join(e2, "history.csv"), "writes itself"},
		{"save-weights", filepath.Join(e2, "metrics.jsonl"), "writes itself"},
		{"save-weights", filepath.Join(e2, run.LockFile), "writes itself"},
		{"save-weights", filepath.Join(e2, "weights0.03-0.41.safetensors"), "checkpoints"},
		{"checkpoint", run.ConfigFile, "writes itself"},
		{"checkpoint", run.StateFile, "writes itself"},
		{"checkpoint", "history.csv", "writes itself"},
		{"checkpoint", run.FinalFile, "writes itself"},
		{"checkpoint", "./" + run.ResultFile, "writes itself"},
		{"checkpoint", "ckpt/../" + run.StateFile, "writes itself"},
		{"checkpoint", ".", "folder"},
		{"checkpoint", "ckpt/..", "folder"},
		{"checkpoint", "ckpt/", "folder"},
		{"checkpoint", run.LockFile, "hidden"},
	} {
		_, msg, code := output(t, append(nowhere, "--"+c.flag, c.value)...)
		if code != 2 || !strings.Contains(msg, "--"+c.flag) || !strings.Contains(msg, c.says) {
			t.Errorf("--%s %s: exit %d, want 2 saying %q:\n%s", c.flag, c.value, code, c.says, msg)
		}
	}
	if _, err := os.Stat(e2); err == nil {
		t.Error("a refused command created its --out")
	}
	sameFiles(t, "refused output names", e1Before, snapshot(t, e1))

	// A template that can name an existing folder of --out.
	e3 := filepath.Join(dir, "e3")
	os.MkdirAll(filepath.Join(e3, "w5"), 0o755)
	_, msg, code := output(t, "train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline",
		"--out", e3, "--checkpoint", "w{epoch}")
	if code != 2 || !strings.Contains(msg, "the folder") {
		t.Errorf("--checkpoint w{epoch} beside a folder w5: exit %d\n%s", code, msg)
	}

	// A study's cells are checked as a run is.
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","checkpoint":"config.json"}}`), 0o644)
	_, msg, code = output(t, "study", "run", spec, "--out", filepath.Join(dir, "s"), "--data-dir", small, "--no-verify")
	if code != 2 || !strings.Contains(msg, "--checkpoint") {
		t.Errorf("a study whose cells' checkpoints are named config.json: exit %d\n%s", code, msg)
	}

	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", e2,
		"--save-weights", filepath.Join(e2, run.FinalFile), "--checkpoint", "{epoch}.safetensors", "--save-best-only=false"}, smallData...)
	if _, msg, code := output(t, args...); code != 0 {
		t.Fatalf("the default final weights given explicitly: exit %d\n%s", code, msg)
	}
	for _, f := range []string{run.FinalFile, "1.safetensors", run.StateFile} {
		if _, err := os.Stat(filepath.Join(e2, f)); err != nil {
			t.Error(err)
		}
	}
}

// Run folders and study folders never mix: a study meeting a folder whose
// lock a `train` holds is refused at once (not left waiting for it), a
// study into a run's folder and a run into a study's folder are refused
// (exit 2, saying what the folder holds), and nothing is written there.
func TestRunAndStudyFoldersDoNotMix(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	studyIn := func(out string) []string {
		return []string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"}
	}

	// A process whose lock file says it is a train: refused at once.
	held := filepath.Join(dir, "H")
	holder := holdLock(t, held, "train", "--out", held)
	code, log := studyNotWaiting(t, studyIn(held)...)
	pid := fmt.Sprintf("pid %d ", holder.Process.Pid)
	if code != 2 || !strings.Contains(log, pid) || !strings.Contains(log, "is training") {
		t.Errorf("study into a folder a train holds (%s): exit %d\n%s", pid, code, log)
	}
	if _, err := os.Stat(filepath.Join(held, "study.json")); err == nil {
		t.Error("the refused study wrote its study.json")
	}

	// A real train, past its first epoch: its folder holds a run.
	runDir := filepath.Join(dir, "T")
	train := startHolder(t, append([]string{"train", "--model", "mlp", "--train-limit", "300",
		"--epochs", "100000", "--out", runDir}, smallData...)...)
	if code, msg := studyNotWaiting(t, studyIn(runDir)...); code != 2 || !strings.Contains(msg, "holds a run") {
		t.Errorf("study into the folder of a running train: exit %d\n%s", code, msg)
	}
	kill(t, train)
	before := snapshot(t, runDir)
	if _, msg, code := output(t, studyIn(runDir)...); code != 2 || !strings.Contains(msg, "holds a run") {
		t.Errorf("study into a run's folder: exit %d\n%s", code, msg)
	}
	after := snapshot(t, runDir)
	delete(before, run.LockFile) // the killed train's
	delete(after, run.LockFile)
	sameFiles(t, "a study refused in a run's folder", before, after)

	studyDir := filepath.Join(dir, "S")
	if _, msg, code := output(t, studyIn(studyDir)...); code != 0 {
		t.Fatalf("study: exit %d\n%s", code, msg)
	}
	for _, extra := range [][]string{nil, {"--overwrite"}} {
		args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", studyDir}, smallData...)
		_, msg, code := output(t, append(args, extra...)...)
		if code != 2 || !strings.Contains(msg, "holds a study (study.json)") {
			t.Errorf("train %v into a study's folder: exit %d\n%s", extra, code, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(studyDir, run.ConfigFile)); err == nil {
		t.Error("a run refused in a study's folder wrote its config.json there")
	}
}

// studyNotWaiting runs a study command and returns its exit code and
// stderr; a study that waits for the holder of its folder's lock fails the
// test and is killed.
func studyNotWaiting(t *testing.T, args ...string) (int, string) {
	t.Helper()
	s, pipe, lines, log := startReadingStderr(t, args...)
	for lines.Scan() {
		if strings.Contains(lines.Text(), "waiting for it") {
			t.Errorf("%v waits for the holder of its folder", args)
			s.Process.Kill()
		}
	}
	io.Copy(log, pipe)
	s.Wait()
	return s.ProcessState.ExitCode(), log.String()
}

// A truncated state file: --resume names it, says it is truncated or
// corrupt and that no earlier point can be resumed, and what to do (exit
// 2); what it says to do (--overwrite) then works.
func TestTruncatedStateSaysWhatToDo(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(out, run.StateFile)
	raw := mustRead(t, p)
	for _, size := range []int{len(raw) / 2, 3} {
		os.WriteFile(p, raw[:size], 0o644)
		_, msg, code := output(t, "train", "--resume", out, "--quiet", "--epochs", "2")
		for _, want := range []string{p, "truncated or corrupt", "earlier point", "--overwrite", "another --out"} {
			if code != 2 || !strings.Contains(msg, want) {
				t.Errorf("--resume with the state cut to %d bytes: exit %d, want 2 saying %q:\n%s", size, code, want, msg)
				break
			}
		}
	}
	if _, msg, code := output(t, append(args, "--overwrite")...); code != 0 {
		t.Errorf("starting again with --overwrite: exit %d\n%s", code, msg)
	}
}

// A run whose lock file is removed while it trains (by hand, or by a
// careless cleanup) stops before its next save rather than go on beside a
// writer that may lock the folder anew: exit 1, saying why, and the state
// it saved before is whole.
func TestRunStopsWhenItsLockIsRemoved(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	train, pipe, sc, log := startReadingStderr(t, append([]string{"train", "--model", "mlp", "--train-limit", "300",
		"--epochs", "500", "--out", out}, smallData...)...)
	t.Cleanup(func() { train.Process.Kill(); train.Wait() })
	for sc.Scan() && !strings.Contains(sc.Text(), "Epoch 2/") { // epoch 1's state is written
	}
	if err := os.Remove(filepath.Join(out, run.LockFile)); err != nil {
		t.Fatal(err)
	}
	io.Copy(log, pipe)
	train.Wait()
	if code := train.ProcessState.ExitCode(); code != 1 || !strings.Contains(log.String(), "is no longer the lock this process took") {
		t.Fatalf("a run whose lock was removed: exit %d\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err == nil {
		t.Error("the run went on to its end")
	}
	if _, msg, code := output(t, "train", "--resume", out, "--quiet", "--epochs", "3"); code != 0 {
		t.Errorf("resuming it: exit %d\n%s", code, msg)
	}
}

// A run whose folder is moved while it trains, another folder put at its
// old name by another writer (a user's file in it, its lock held), stops at
// its next epoch's end without writing there: not its checkpoint (saved
// before the state, and so after the state's lock check, it went into the
// other folder), not its state, and its Unlock leaves the other writer's
// lock file. Exit 1, saying why; what it saved before is whole in the folder
// it was moved to.
func TestRunWhoseFolderMovedWritesNothingAtItsOldName(t *testing.T) {
	base := t.TempDir()
	out, moved, other := filepath.Join(base, "run"), filepath.Join(base, "moved"), filepath.Join(base, "other")
	theirs, err := run.LockFolder(other)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Unlock()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherBefore := snapshot(t, other)
	// The CNN's epoch (tenths of a second) is what the two renames below
	// must fit in: the lock is checked just before each save, and a save
	// under way when the folder is swapped is not undone (docs/reliability.md).
	// The MLP's epoch of 300 images took a millisecond, and epoch 2's
	// checkpoint was sometimes written between the check and the renames.
	train, pipe, sc, log := startReadingStderr(t, append([]string{"train", "--model", "cnn", "--train-limit", "640",
		"--epochs", "500", "--out", out, "--checkpoint", "w{epoch}.safetensors", "--save-best-only=false"}, smallData...)...)
	t.Cleanup(func() { train.Process.Kill(); train.Wait() })
	for sc.Scan() && !strings.Contains(sc.Text(), "Epoch 2/") { // epoch 1's checkpoint and state are written
	}
	if err := os.Rename(out, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, out); err != nil {
		t.Fatal(err)
	}
	io.Copy(log, pipe)
	train.Wait()
	if code := train.ProcessState.ExitCode(); code != 1 || !strings.Contains(log.String(), "is no longer the lock this process took") {
		t.Fatalf("a run whose folder was moved: exit %d\n%s", code, log)
	}
	sameFiles(t, "the folder at the moved run's old name", otherBefore, snapshot(t, out))
	for _, f := range []string{"w1.safetensors", run.StateFile, run.ConfigFile} {
		if _, err := os.Stat(filepath.Join(moved, f)); err != nil {
			t.Errorf("the moved folder: %v", err)
		}
	}
}

// The same in a study: a cell whose lock file is removed while it trains
// stops at its next save and is recorded as failed, saying why.
func TestStudyCellStopsWhenItsLockIsRemoved(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"500","train-limit":"300"}}`), 0o644)
	out := filepath.Join(dir, "out")
	cell := filepath.Join(out, "cells", "optimizer=sgd,seed=1")
	s, pipe, _, log := startReadingStderr(t, "study", "run", spec, "--out", out, "--data-dir", small, "--no-verify")
	t.Cleanup(func() { s.Process.Kill(); s.Wait() })
	ended := make(chan struct{})
	go func() { io.Copy(log, pipe); close(ended) }()
	for { // the cell's first state is written, under its lock
		if _, err := os.Stat(filepath.Join(cell, run.StateFile)); err == nil {
			break
		}
		select {
		case <-ended:
			t.Fatalf("the study ended before its cell saved a state:\n%s", log)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := os.Remove(filepath.Join(cell, run.LockFile)); err != nil {
		t.Fatal(err)
	}
	<-ended
	s.Wait()
	failed, _ := os.ReadFile(filepath.Join(cell, "failed.txt"))
	if code := s.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(failed), "is no longer the lock this process took") {
		t.Errorf("a study whose cell's lock was removed: exit %d, failed.txt %q", code, failed)
	}
}

// A study's cells/ and report/ are its own folders: a run trained there was
// accepted, and its files beside the cells failed `study merge` ("cells/
// config.json/result.json: not a directory").
func TestTrainIntoAStudysFoldersIsRefused(t *testing.T) {
	studyDir := filepath.Join(t.TempDir(), "S")
	makeStudyFolder(t, studyDir)
	link := filepath.Join(t.TempDir(), "to-cells")
	if err := os.Symlink(filepath.Join(studyDir, "cells"), link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(studyDir, "cells"), filepath.Join(studyDir, "report"), studyDir + "/cells/.", link} {
		args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)
		_, msg, code := output(t, args...)
		if code != 2 || !strings.Contains(msg, filepath.Clean(out)+" is a folder of the study in "+studyDir+" (study.json)") {
			t.Errorf("train into the study's %s: exit %d\n%s", out, code, msg)
		}
		if _, err := os.Stat(filepath.Join(out, run.ConfigFile)); err == nil {
			t.Errorf("a run refused in the study's %s wrote its config.json there", out)
		}
	}
}

// A --checkpoint template whose folder is another run's (its config.json or
// result.json there), a study's, or one whose lock another writer holds is
// refused before anything runs, exit 2, naming the flag and the folder:
// the checkpoints would go among the other writer's files (and the other
// run's --overwrite or --keep-last would remove them, or theirs). A folder
// of the run's own is fine.
func TestCheckpointIntoAnotherWritersFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "X")
	inner := filepath.Join(out, "inner")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", inner}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(inner, run.StateFile)) // a finished run's config.json and result.json are enough
	held := filepath.Join(out, "held")
	holdLock(t, held, "train", "--out", held)
	st := filepath.Join(out, "st")
	os.MkdirAll(st, 0o755)
	os.WriteFile(filepath.Join(st, "study.json"), []byte("{}"), 0o644)
	os.MkdirAll(filepath.Join(out, "mine"), 0o755)
	innerBefore := snapshot(t, inner)
	nowhere := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline", "--out", out}
	for _, c := range []struct{ template, folder, says string }{
		{"inner/{epoch}.safetensors", inner, "holds another run"},
		{"inner/sub/{epoch}.safetensors", inner, "holds another run"},
		{"held/{epoch}.safetensors", held, "in use"},
		{"st/{epoch}.safetensors", st, "holds a study"},
	} {
		_, msg, code := output(t, append(nowhere, "--checkpoint", c.template)...)
		if code != 2 || !strings.Contains(msg, "--checkpoint") || !strings.Contains(msg, c.folder) || !strings.Contains(msg, c.says) {
			t.Errorf("--checkpoint %s: exit %d, want 2 naming %s and saying %q:\n%s", c.template, code, c.folder, c.says, msg)
		}
	}
	sameFiles(t, "the other run's folder", innerBefore, snapshot(t, inner))
	if _, msg, _ := output(t, append(nowhere, "--checkpoint", "mine/{epoch}.safetensors")...); strings.Contains(msg, "--checkpoint") {
		t.Errorf("--checkpoint into a folder of the run's own: %s", msg)
	}
}

// A run's --out inside another run's checkpoint folder (the folder of its
// --checkpoint template, or below it) is refused before anything runs,
// exit 2, naming --out, the folder and the run that writes there: the two
// runs' files would mix, and the new run's --overwrite would remove the
// other's checkpoints where its template names them. A folder of the other
// run that is not its checkpoints' is left to the rules of other folders.
func TestOutInsideAnotherRunsCheckpointFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "A")
	trainWithCheckpointFolder(t, a)
	ckpt := filepath.Join(a, "ckpt")
	before := snapshot(t, ckpt)
	nowhere := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline"}
	for _, out := range []string{ckpt, filepath.Join(ckpt, "sub")} {
		_, msg, code := output(t, append(nowhere, "--out", out, "--checkpoint", "{epoch}.safetensors", "--overwrite")...)
		if code != 2 || !strings.Contains(msg, "--out") || !strings.Contains(msg, ckpt) || !strings.Contains(msg, "checkpoint folder of the run in "+a) {
			t.Errorf("--out %s: exit %d, want 2 naming %s and the run in %s:\n%s", out, code, ckpt, a, msg)
		}
	}
	sameFiles(t, "the other run's checkpoint folder", before, snapshot(t, ckpt))
	if _, msg, _ := output(t, append(nowhere, "--out", filepath.Join(a, "other"))...); strings.Contains(msg, "checkpoint folder") {
		t.Errorf("--out in another run's folder beside its checkpoints: %s", msg)
	}
}

// Only cells/ and report/ are the study's: a folder beside them, such as
// mystudy/extra-run, was refused as "a folder of the study" since every
// folder directly in a study's was. It trains, and resumes, as anywhere.
func TestTrainBesideAStudysFoldersIsAccepted(t *testing.T) {
	studyDir := filepath.Join(t.TempDir(), "S")
	makeStudyFolder(t, studyDir)
	out := filepath.Join(studyDir, "extra-run")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)
	if _, msg, code := output(t, args...); code != 0 {
		t.Fatalf("train --out %s beside the study's cells/: exit %d\n%s", out, code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err != nil {
		t.Fatalf("the run beside the study's cells/ left no result: %v", err)
	}
	resume := append([]string{"train", "--resume", out, "--epochs", "2"}, smallData...)
	if _, msg, code := output(t, resume...); code != 0 {
		t.Errorf("train --resume %s: exit %d\n%s", out, code, msg)
	}
	// A folder named cells with no study.json beside it is nobody's.
	plain := filepath.Join(t.TempDir(), "cells")
	args = append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", plain}, smallData...)
	if _, msg, code := output(t, args...); code != 0 {
		t.Errorf("train --out %s, in no study: exit %d\n%s", plain, code, msg)
	}
}

// A study's cells/ and report/ take no other study either, as they take no
// run: `study run --out S/cells` wrote its study.json and cells/ among S's
// cells, where S's merge and report read them as one more folder that is
// no cell; a merge into S/report, before S was reported, made the merged
// study where S's report goes. A folder beside them is anyone's.
func TestStudyIntoAStudysFoldersIsRefused(t *testing.T) {
	dir := t.TempDir()
	studyDir := filepath.Join(dir, "S")
	makeStudyFolder(t, studyDir)
	spec := filepath.Join(dir, "s.json")
	if err := os.WriteFile(spec, []byte(`{"name":"t","seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Join(dir, "shard")
	if _, msg, code := output(t, "study", "run", spec, "--out", shard, "--data-dir", small, "--no-verify"); code != 0 {
		t.Fatalf("the shard to merge: exit %d\n%s", code, msg)
	}
	for _, sub := range []string{"cells", "report"} {
		out := filepath.Join(studyDir, sub)
		want := "--out " + out + " is a folder of the study in " + studyDir + " (study.json), and a study's files never go among another study's"
		for _, args := range [][]string{
			{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify"},
			{"study", "run", spec, "--out", out, "--dry-run"},
			{"study", "merge", "--out", out, shard},
		} {
			_, msg, code := output(t, args...)
			if code != 2 || !strings.Contains(msg, want) {
				t.Errorf("%v: exit %d, want 2 saying %q\n%s", args, code, want, msg)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "study.json")); err == nil {
			t.Errorf("a study refused in S/%s wrote its study.json there", sub)
		}
	}
	beside := filepath.Join(studyDir, "extra")
	if _, msg, code := output(t, "study", "merge", "--out", beside, shard); code != 0 {
		t.Errorf("study merge --out %s, beside the study's cells/: exit %d\n%s", beside, code, msg)
	}
}
