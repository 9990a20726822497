package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A typed flag wins over its environment variable, so a malformed variable
// (MNISTGPU_EPOCHS=abc) whose flag is typed is not read and does not stop
// the command: the flag parser read every variable before the command line
// and refused `train --epochs 1` under MNISTGPU_EPOCHS=abc (exit 2). The
// command says in one line that the variable went unused; with the flag
// left out, the variable stays refused, exit 2, naming it. Every command
// that reads a variable of a number or a switch is covered. A command's
// help reads no variable: --help, -h and `help CMD` show it (exit 0) under
// a malformed variable, which `train --help` refused (exit 2), and it
// still names the variable beside its flag. A resume takes its settings
// from the run's record and reads only the machine's variables (device,
// TF32, threads, data): one of the others, malformed, is not used, and a
// line says so, where `train --resume DIR` refused it (exit 2); one of the
// machine's stays refused.
func TestTypedFlagIgnoresMalformedVariable(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1",
		"--out", filepath.Join(dir, "first"), "--save-weights", weights}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	finished := filepath.Join(dir, "finished") // a run to resume (nothing to do)
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1",
		"--out", finished}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.json")
	os.WriteFile(file, []byte(`{"axes":[{"name":"lr","values":["0.01"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"}}`), 0o644)
	images := filepath.Join(small, "t10k-images-idx3-ubyte.gz")
	data := []string{"--data-dir", small, "--no-verify"}
	for _, tc := range []struct {
		variable, value string
		typed           []string // the flag, typed
		args            []string // the rest of the command line
	}{
		{"MNISTGPU_EPOCHS", "abc", []string{"--epochs", "1"}, []string{"train", "--model", "mlp", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_BATCH_SIZE", "-3", []string{"--batch-size=32"}, []string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_SEED", "-1", []string{"--seed", "3"}, []string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_THREADS", "x", []string{"--threads", "1"}, []string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--quiet"}},
		{"MNISTGPU_OFFLINE", "maybe", []string{"--offline"}, []string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_EPOCHS", "abc", []string{"--epochs", "1"}, []string{"study", "run", file, "--threads", "1"}},
		{"MNISTGPU_THREADS", "x", []string{"--threads", "1"}, []string{"study", "run", file}},
		{"MNISTGPU_BATCH_SIZE", "abc", []string{"--batch-size", "100"}, []string{"evaluate", "--weights", weights, "--threads", "1"}},
		{"MNISTGPU_THREADS", "x", []string{"--threads", "1"}, []string{"evaluate", "--weights", weights}},
		{"MNISTGPU_THREADS", "x", []string{"--threads", "1"}, []string{"predict", "--weights", weights, "--limit", "1", images}},
		{"MNISTGPU_BATCH_SIZE", "abc", []string{"--batch-size", "16"}, []string{"bench", "--device", "cpu", "--model", "mlp", "--threads", "1", "--steps", "1", "--runs", "1", "--warmup", "0"}},
		{"MNISTGPU_EPOCHS", "abc", []string{"--help"}, []string{"train", "--model", "mlp", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_BATCH_SIZE", "x", []string{"-h"}, []string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_EPOCHS", "abc", []string{"help"}, []string{"train", "--model", "mlp", "--train-limit", "200", "--threads", "1", "--quiet"}},
		{"MNISTGPU_THREADS", "x", []string{"--help"}, []string{"study", "run"}}, // --help beside a file: "unknown command", variables or not
		{"MNISTGPU_BATCH_SIZE", "abc", []string{"-h"}, []string{"evaluate", "--weights", weights, "--threads", "1"}},
		{"MNISTGPU_EPOCHS", "abc", []string{"--resume", finished}, []string{"train", "--threads", "1", "--quiet"}},
		{"MNISTGPU_BATCH_SIZE", "x", []string{"--resume=" + finished}, []string{"train", "--threads", "1", "--quiet"}},
		{"MNISTGPU_SEED", "-1", []string{"--resume", finished}, []string{"train", "--threads", "1", "--quiet"}},
		{"MNISTGPU_BATCH_SIZE", "abc", []string{"--help"}, []string{"bench", "--device", "cpu", "--model", "mlp", "--threads", "1", "--steps", "1", "--runs", "1", "--warmup", "0"}},
	} {
		typed, _, _ := strings.Cut(tc.typed[0], "=")
		name := tc.args[0] + " " + tc.variable + " " + typed
		t.Run(name, func(t *testing.T) {
			t.Setenv(tc.variable, tc.value)
			args := tc.args
			switch args[0] {
			case "train":
				args = append(args, data...)
				if !strings.HasPrefix(tc.typed[0], "--resume") { // a resumed run stays in its folder
					args = append(args, "--out", filepath.Join(dir, "train", tc.variable))
				}
			case "study":
				args = append(append(args, data...), "--out", filepath.Join(dir, "study", tc.variable))
			case "evaluate":
				args = append(args, data...)
			}
			untyped := args
			help := tc.typed[0] == "help" || tc.typed[0] == "--help" || tc.typed[0] == "-h"
			if tc.typed[0] == "help" { // `help train`: the word before the command's
				args = append(tc.typed[:1:1], args[0])
			} else {
				args = append(args[:len(args):len(args)], tc.typed...)
			}
			stdout, stderr, code := output(t, args...)
			flag, _, _ := strings.Cut(strings.TrimLeft(tc.typed[0], "-"), "=")
			said := tc.variable + "=" + tc.value + " is not used: --" + flag + " is typed, which wins over it"
			if code != 0 {
				t.Fatalf("%v with %s=%s: exit %d:\n%s", args, tc.variable, tc.value, code, stderr)
			}
			if tc.value == "-3" { // a whole number: the parser takes it, and the typed flag replaces it without a word
				said = ""
			}
			if flag == "resume" {
				said = tc.variable + "=" + tc.value + " is not used: --resume continues the run with its recorded settings"
			}
			if help {
				said = ""
				if !strings.Contains(stdout, "[$"+tc.variable+"]") || strings.Contains(stderr, "is not used") {
					t.Errorf("%v: want the help naming [$%s], without a word on stderr:\n%s\n%s", args, tc.variable, stdout, stderr)
				}
			}
			if said != "" && strings.Count(stderr, said) != 1 {
				t.Errorf("%v: want once %q:\n%s", args, said, stderr)
			}
			_, stderr, code = output(t, untyped...)
			if code != 2 || !strings.Contains(stderr, tc.variable+"="+tc.value) || strings.Contains(stderr, "is not used") {
				t.Errorf("%v with %s=%s, the flag not typed: exit %d, want 2 naming the variable:\n%s", untyped, tc.variable, tc.value, code, stderr)
			}
		})
	}
	// A variable a resume reads, malformed, stays refused.
	t.Setenv("MNISTGPU_OFFLINE", "maybe")
	_, stderr, code := output(t, "train", "--resume", finished, "--threads", "1", "--quiet")
	if code != 2 || !strings.Contains(stderr, "MNISTGPU_OFFLINE=maybe") || strings.Contains(stderr, "is not used") {
		t.Errorf("train --resume with MNISTGPU_OFFLINE=maybe: exit %d, want 2 naming the variable:\n%s", code, stderr)
	}
}
