package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
)

const small = "../../testdata/mnist-small"

func cliRun(args ...string) error {
	return runApp(newApp(), append([]string{"mnistgpu"}, args...))
}

func TestBadFlagsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"train", "--lr", "-0.1"},
		{"train", "--batch-size", "0"},
		{"train", "--model", "resnet"},
		{"train", "--epochs", "0"},
		{"train", "--optimizer", "lion"},
		{"train", "--validation-split", "1.5"},
		{"train", "--split", "weird"},
		{"train", "--device", "tpu"},
		{"train", "--no-such-flag"},
		{"train", "--activation", "nope"},
		{"train", "--lr-schedule", "step:1:1e308"}, // +Inf at epoch 2
		{"train", "--lr-schedule", "exp:1e-320"},   // 0 at epoch 3
		{"predict", "--weights", "w.safetensors", "--limit", "0", "digits.idx"},
		{"predict", "--weights", "w.safetensors", "--limit", "-1", "digits.idx"},
	} {
		err := cliRun(args...)
		var ec cli.ExitCoder
		if !errors.As(err, &ec) || ec.ExitCode() != 2 {
			t.Errorf("%v: err = %v, want exit code 2", args, err)
			continue
		}
		if msg := err.Error(); strings.Count(msg, "\n") > 0 || !strings.HasPrefix(msg, "mnistgpu: ") {
			t.Errorf("%v: message %q is not one line", args, msg)
		}
	}
}

func TestTrainEndToEnd(t *testing.T) {
	out := t.TempDir()
	final := filepath.Join(out, "final.safetensors")
	err := cliRun("train", "--model", "mlp", "--epochs", "2", "--data-dir", small, "--no-verify", "--quiet",
		"--out", out, "--seed", "3", "--save-weights", final)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "epoch,accuracy,loss,val_accuracy,val_loss" {
		t.Fatalf("history.csv: %v %v", rows, err)
	}
	ckpts, _ := filepath.Glob(filepath.Join(out, "weights0.*-*.safetensors"))
	if len(ckpts) == 0 {
		t.Error("no best-val_loss checkpoint written")
	}
	if _, _, err := engine.ReadWeightsFile(final); err != nil {
		t.Error(err)
	}
	if err := cliRun("evaluate", "--model", "mlp", "--weights", final, "--data-dir", small, "--no-verify"); err != nil {
		t.Error(err)
	}
	if err := cliRun("predict", "--model", "mlp", "--weights", final, "--limit", "3", filepath.Join(small, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Error(err)
	}
	// Resuming from the saved weights with a max-steps budget.
	if err := cliRun("train", "--model", "mlp", "--epochs", "1", "--max-steps", "5", "--init-weights", final,
		"--data-dir", small, "--no-verify", "--quiet", "--out", filepath.Join(out, "again")); err != nil {
		t.Error(err)
	}
}

func TestReadOnlyOutputFailsBeforeTraining(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root can write into read-only folders")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	// A setting, as --out naming a file is (it exited 1, with mkdir's or
	// open's error), for the folder and a folder to make in it.
	for _, out := range []string{dir, filepath.Join(dir, "run")} {
		err := cliRun("train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", out)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--out "+out+": the run's folder cannot be made or written there") {
			t.Errorf("--out %s read-only: %v, want exit 2 naming --out", out, err)
		}
	}
	weights := filepath.Join(dir, "w.safetensors")
	err := cliRun("train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", t.TempDir(), "--save-weights", weights)
	if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--save-weights "+weights+": its folder cannot be written") {
		t.Errorf("--save-weights in a read-only folder: %v, want exit 2 naming --save-weights", err)
	}
}

func TestTrainingFeatures(t *testing.T) {
	out := t.TempDir()
	err := cliRun("train", "--model", "mlp", "--data-dir", small, "--no-verify", "--quiet", "--out", out,
		"--epochs", "4", "--optimizer", "rmsprop", "--lr", "0.002", "--lr-schedule", "step:2:0.5",
		"--rotation", "10", "--zoom", "0.1", "--width-shift", "2", "--early-stopping", "3", "--restore-best-weights",
		"--save-best-only=false", "--keep-last", "1")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.ReadHistoryJSON("history.json", f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for e, want := range []float64{0.002, 0.002, 0.001, 0.001} {
		if got := h.Logs[e]["lr"]; got != want {
			t.Errorf("epoch %d: lr %g, want %g (step:2:0.5)", e, got, want)
		}
	}
	ckpts, _ := filepath.Glob(filepath.Join(out, "weights0.*"))
	if len(ckpts) != 1 || !strings.Contains(ckpts[0], "weights0.04-") {
		t.Errorf("--keep-last 1 left %v", ckpts)
	}
	for _, args := range [][]string{{"--lr-schedule", "linear"}, {"--zoom", "1.5"}, {"--rotation", "-3"}, {"--optimizer", "adamw", "--weight-decay", "-1"}} {
		err := cliRun(append([]string{"train", "--model", "mlp"}, args...)...)
		var ec cli.ExitCoder
		if !errors.As(err, &ec) || ec.ExitCode() != 2 {
			t.Errorf("%v: %v, want exit code 2", args, err)
		}
	}
}

// TestUnusableOutputFailsBeforeTraining: --out naming a file, and a missing
// data folder, are reported before any training starts.
func TestUnusableOutputFailsBeforeTraining(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o644)
	// A setting: exit 2 (it was 1, mkdir's "not a directory"), for --out,
	// a folder below a file, and --resume.
	for _, args := range [][]string{{"--out", file}, {"--out", filepath.Join(file, "run")}, {"--resume", file}} {
		err := cliRun(append([]string{"train", "--model", "mlp", "--data-dir", small, "--no-verify"}, args...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), args[0]+" "+args[1]+": "+file+" is a file, not a folder") {
			t.Errorf("%v naming a file: %v", args, err)
		}
	}
	out := t.TempDir()
	// A name no file system takes (mkdir: "file name too long") was a
	// failure, exit 1, where a file given was a setting.
	for _, long := range []string{filepath.Join(out, strings.Repeat("r", 300)), filepath.Join(out, strings.Repeat("r", 300), "run")} {
		err := cliRun("train", "--model", "mlp", "--data-dir", filepath.Join(out, "nowhere"), "--out", long)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--out "+long+": the run's folder cannot be made or written there") {
			t.Errorf("--out of a 300-byte name: %v, want exit 2 naming --out before the data", err)
		}
	}
	// A --save-weights in a folder that is not there failed once training
	// had ended, without final weights or result.
	missing := filepath.Join(t.TempDir(), "typo", "w.safetensors")
	err := cliRun("train", "--model", "mlp", "--data-dir", filepath.Join(out, "nowhere"), "--out", out, "--save-weights", missing)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--save-weights "+missing+" is in "+filepath.Dir(missing)+", which is not a folder") {
		t.Errorf("--save-weights in a missing folder: %v, want exit 2 before the data", err)
	}
	// A name a file system takes, but not with the 18 bytes its temporary
	// adds: the final weights failed once every epoch had trained.
	long := filepath.Join(out, strings.Repeat("w", 226)+".safetensors")
	err = cliRun("train", "--model", "mlp", "--data-dir", filepath.Join(out, "nowhere"), "--out", out, "--save-weights", long)
	if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--save-weights "+long+" names a file of 238 bytes") {
		t.Errorf("--save-weights of 238 bytes: %v, want exit 2 before the data", err)
	}
	if err := cliRun("train", "--model", "mlp", "--data-dir", filepath.Join(out, "nowhere"), "--out", out); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("missing data folder: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("files written before the error: %v", entries)
	}
}

// --init-weights is read and checked against the model before the data is
// loaded: a mistyped path or another model's weights failed once MNIST was
// loaded, naming no flag (exit 1).
func TestInitWeightsCheckedBeforeTheData(t *testing.T) {
	dir := t.TempDir()
	mlp := filepath.Join(dir, "mlp.safetensors")
	writeModelWeights(t, mlp, `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`, 784, 10)
	for _, c := range []struct{ model, weights, says string }{
		{"mlp", filepath.Join(dir, "typo.safetensors"), "no such file"},
		{"cnn", mlp, `no tensor "conv2d_1.kernel"`},
	} {
		err := cliRun("train", "--model", c.model, "--init-weights", c.weights, "--data-dir", filepath.Join(dir, "nowhere"), "--out", filepath.Join(dir, "run"))
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--init-weights") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("--model %s --init-weights %s: %v, want exit 2 before the data, saying %q", c.model, c.weights, err, c.says)
		}
	}
}
