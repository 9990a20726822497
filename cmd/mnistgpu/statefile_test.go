package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestResumeBeforeAnyStateExitsTwo: a run killed during its first epoch
// has no state; --resume says that nothing is saved yet and that the same
// command without --resume starts it, exit 2, and that command does.
func TestResumeBeforeAnyStateExitsTwo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out}, smallData...)
	if err := cliRun(args...); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if e.Name() != run.ConfigFile { // as a SIGKILL in epoch 1 leaves it
			os.Remove(filepath.Join(out, e.Name()))
		}
	}
	_, stderr, code := output(t, "train", "--resume", out)
	if code != 2 || !strings.Contains(stderr, "nothing is saved yet") || !strings.Contains(stderr, "without --resume") || strings.Contains(stderr, "stat ") {
		t.Errorf("--resume with no state: exit %d\n%s", code, stderr)
	}
	if err := cliRun(args...); err != nil {
		t.Errorf("the same command without --resume: %v", err)
	}
	// A finished run whose state was removed: it said "nothing is saved
	// yet …: the same command without --resume starts it", which is
	// refused and says to pass --resume.
	os.Remove(filepath.Join(out, run.StateFile))
	_, stderr, code = output(t, "train", "--resume", out, "--epochs", "2")
	if code != 2 || !strings.Contains(stderr, "holds a finished run") || !strings.Contains(stderr, "--overwrite") || strings.Contains(stderr, "without --resume") {
		t.Errorf("--resume of a finished run without its state: exit %d\n%s", code, stderr)
	}
	if err := cliRun(append(args, "--overwrite")...); err != nil {
		t.Errorf("the same command with --overwrite: %v", err)
	}
}

// TestResumeRefusesAnEditedHeader: one flipped bit in the state's header
// (the learning rate 0.001 read as 0.801) is refused naming the file; the
// run does not train at the changed rate.
func TestResumeRefusesAnEditedHeader(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "300", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(out, run.StateFile)
	raw := mustRead(t, p)
	i := strings.Index(string(raw), `\"lr\":0.0`)
	if i < 0 {
		t.Fatal("no learning rate in the state's header")
	}
	raw[i+len(`\"lr\":0.`)] ^= 0x08 // '0' → '8'
	os.WriteFile(p, raw, 0o644)
	_, stderr, code := output(t, "train", "--resume", out, "--epochs", "2")
	if code == 0 || !strings.Contains(stderr, p) || !strings.Contains(stderr, "checksum mismatch") {
		t.Errorf("resume from a state with an edited header: exit %d\n%s", code, stderr)
	}
}

// TestSaveEveryStepsIsChecked: a negative --save-every-steps is refused
// before anything runs, exit 2.
func TestSaveEveryStepsIsChecked(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--save-every-steps", "-1", "--out", out}, smallData...)...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--save-every-steps") {
		t.Errorf("--save-every-steps -1: exit %d, %v", exitCode(err), err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the output folder was made for a refused setting")
	}
}
