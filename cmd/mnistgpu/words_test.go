package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// What a callback says about an epoch follows that epoch's line, as in
// Keras; a resume says the rate it continues with (here reduced by
// ReduceLROnPlateau), beside the configured one.
func TestCallbackMessagesAndResumeHeader(t *testing.T) {
	out := t.TempDir()
	// accuracy in mode min does not improve after epoch 1: both callbacks
	// act at epoch 2.
	_, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "3", "--train-limit", "300", "--lr", "0.01",
		"--monitor", "accuracy", "--mode", "min", "--reduce-lr-on-plateau", "1", "--early-stopping", "1", "--out", out}, smallData...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(untimed(stderr), "\n") // each line starts with its time off a terminal
	at := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no line %q in\n%s", prefix, stderr)
		return -1
	}
	epoch2 := at("Epoch 2/3") + 1 // its metrics line
	if !strings.Contains(lines[epoch2], "loss: ") || at("Epoch 2: ReduceLROnPlateau") != epoch2+1 || at("Epoch 2: early stopping") != epoch2+2 {
		t.Errorf("callback messages before their epoch's line:\n%s", stderr)
	}
	_, stderr, code = output(t, "train", "--resume", out, "--epochs", "4", "--quiet")
	if code != 0 || !strings.Contains(stderr, "(step 8), learning rate 0.001 (configured 0.01)") {
		t.Errorf("resume header: exit %d\n%s", code, stderr)
	}
}

// Bad usage is exit code 2 everywhere, with the closest name offered.
func TestUnknownCommandsAndFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"trian"}, `unknown command "trian" (did you mean "train"?)`},
		{[]string{"data", "verfy"}, `unknown command "verfy" (did you mean "verify"?)`},
		{[]string{"frobnicate"}, `the commands are train, evaluate`},
		{[]string{"help", "trian"}, `unknown command "trian" (did you mean "train"?)`},
		{[]string{"study", "help", "nonsense"}, `unknown command "nonsense" (the commands are run, merge, report`},
		{[]string{"help", "study", "merg"}, `unknown command "merg" (did you mean "merge"?)`},
		{[]string{"train", "--epoch", "3"}, "unknown flag --epoch (did you mean --epochs?)"},
		{[]string{"study", "run", "--seed", "3"}, "unknown flag --seed (did you mean --seeds?)"},
		// a subcommand's advice names it whole ("run --help" named no command)
		{[]string{"study", "run", "--zzzzzz"}, "unknown flag --zzzzzz (mnistgpu study run --help lists the flags)"},
		{[]string{"data", "verify", "--offline"}, "unknown flag --offline (mnistgpu data verify --help lists the flags)"},
		{[]string{"train", "--zzzzzz"}, "unknown flag --zzzzzz (mnistgpu train --help lists the flags)"},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %v, want exit 2 saying %q", c.args, err, c.says)
		}
	}
	// help of a subcommand is its own help, as `study help merge` is.
	if merge, _, code := output(t, "help", "study", "merge"); code != 0 || !strings.Contains(merge, "mnistgpu study merge - ") {
		t.Errorf("help study merge: exit %d\n%s", code, merge)
	}
	help, _, _ := output(t, "study", "run", "--help")
	if strings.Contains(help, "--resume") {
		t.Errorf("study run --help mentions --resume, which study run has not:\n%s", help)
	}
}

// data verify --no-verify checks a custom set as far as it can, rather
// than failing with advice to pass --no-verify.
func TestVerifyCustomSet(t *testing.T) {
	stdout, stderr, code := output(t, "data", "verify", "--data-dir", small, "--no-verify")
	if code != 0 || !strings.Contains(stdout, "valid IDX (2000 training, 500 test images)") {
		t.Errorf("exit %d: %s%s", code, stdout, stderr)
	}
	_, stderr, code = output(t, "data", "verify", "--data-dir", small)
	if code == 0 || !strings.Contains(stderr, "--no-verify") {
		t.Errorf("a subset verified against MNIST's checksums: exit %d %s", code, stderr)
	}
}

// A contradicting --activation alone is named alone (it read
// `--model  --activation "relu" contradicts ...`), and the difference says
// which value is the file's (it read "activation sigmoid vs relu vs the
// file's", the file's first).
func TestActivationContradictionNamesWhatWasGiven(t *testing.T) {
	out := t.TempDir()
	if err := cliRun(append([]string{"train", "--model", "mlp", "--activation", "sigmoid", "--epochs", "1", "--train-limit", "100",
		"--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	err := cliRun("evaluate", "--weights", filepath.Join(out, "final.safetensors"), "--activation", "relu", "--data-dir", small, "--no-verify")
	if exitCode(err) != 2 || !strings.HasPrefix(err.Error(), `mnistgpu: --activation "relu" contradicts`) || strings.Contains(err.Error(), "  ") ||
		!strings.Contains(err.Error(), "(given vs the file's: layer 2 (dense_1): activation relu vs sigmoid)") {
		t.Errorf("%v", err)
	}
}
