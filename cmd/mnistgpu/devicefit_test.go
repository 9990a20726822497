package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// --tf32 is cuda's setting: with --device cpu it would be ignored, so it is
// refused (exit 2, nothing written) by every command that opens a device;
// by --resume of a CPU run before it says it resumes (it said "resuming …"
// and then refused).
func TestTF32OnCPUIsRefused(t *testing.T) {
	weights := filepath.Join(t.TempDir(), "w")
	trained := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := output(t, append([]string{"train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--out", trained, "--save-weights", weights}, smallData...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{
		append([]string{"train", "--model", "mlp", "--device", "cpu", "--tf32", "--out", filepath.Join(t.TempDir(), "o")}, smallData...),
		{"evaluate", "--weights", weights, "--tf32", "--data-dir", small, "--no-verify"},
		{"predict", "--weights", weights, "--tf32", filepath.Join(small, "t10k-images-idx3-ubyte.gz")},
		{"train", "--resume", trained, "--epochs", "2", "--tf32", "--save-weights", weights},
	} {
		_, stderr, code := output(t, args...)
		if code != 2 || !strings.Contains(stderr, "--tf32 is a cuda setting") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line refusing --tf32", args[:1], code, stderr)
		}
	}
}

// MNISTGPU_TF32=1 exported is a default for the device that reads it: a
// CPU run, new or resumed, goes without it (typed, --tf32 is refused above).
func TestTF32VariableIsACudaDefault(t *testing.T) {
	t.Setenv("MNISTGPU_TF32", "1")
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := output(t, append([]string{"train", "--device", "cpu", "--out", dir, "--model", "mlp", "--epochs", "1", "--train-limit", "200"}, smallData...)...); code != 0 {
		t.Fatalf("MNISTGPU_TF32=1 with --device cpu: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, run.ConfigFile)); err != nil || !strings.Contains(string(b), `"tf32": false`) {
		t.Errorf("a CPU run records TF32: %s %v", b, err)
	}
	if _, stderr, code := output(t, "train", "--resume", dir, "--epochs", "2", "--quiet"); code != 0 {
		t.Errorf("MNISTGPU_TF32=1, resuming a CPU run: exit %d: %s", code, stderr)
	}
}

// --device auto --tf32 where no GPU answers trains on the CPU, as auto
// promises, recording that TF32 was not used and saying so in one line (it
// went without a word, as a typed --threads where auto opens a GPU does
// not); an exported MNISTGPU_TF32 is a default, which goes in silence.
func TestAutoTF32WithoutGPUTrainsOnCPU(t *testing.T) {
	if !handsOver() {
		t.Skip("the cuda build opens auto in-process (the stand-in may answer)")
	}
	const said = "--tf32 is for a GPU (TensorFloat-32): --device auto uses the CPU here, which computes in fp32 only, so it is not used"
	dir := filepath.Join(t.TempDir(), "run")
	_, stderr, code := output(t, append([]string{"train", "--device", "auto", "--tf32", "--out", dir, "--model", "mlp", "--epochs", "1", "--train-limit", "200"}, smallData...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stderr, said) != 1 {
		t.Errorf("--device auto --tf32 on the CPU: want the line once:\n%s", stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, run.ConfigFile)); err != nil || !strings.Contains(string(b), `"tf32": false`) {
		t.Errorf("a CPU run records TF32: %s %v", b, err)
	}
	t.Setenv("MNISTGPU_TF32", "1")
	exported := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := output(t, append([]string{"train", "--device", "auto", "--out", exported, "--model", "mlp", "--epochs", "1", "--train-limit", "200"}, smallData...)...); code != 0 || strings.Contains(stderr, "--tf32") {
		t.Errorf("MNISTGPU_TF32=1 with --device auto on the CPU: exit %d, want no line about it:\n%s", code, stderr)
	}
}

// A --tf32 recorded by a GPU run goes unused where a resume or --config
// moves the run to --device cpu, and is said in one line, as a recorded
// --threads on a GPU is (TestCUDASaysRecordedThreadsUnused); so is a
// hand-written config's "tf32" beside "cpu". It went without a word. An
// exported MNISTGPU_TF32 is a default, and goes in silence.
func TestCPUSaysRecordedTF32Unused(t *testing.T) {
	dir := t.TempDir()
	onGPU := func(cfg map[string]any) { cfg["device"] = map[string]any{"name": "cuda", "tf32": true, "threads": 0} }
	oldState(t, dir, nil, "1", onGPU)
	const said = "the recorded --tf32 is for a GPU (TensorFloat-32): --device cpu computes in fp32 only, so it is not used"
	if _, stderr, code := output(t, "train", "--resume", filepath.Join(dir, "old"), "--epochs", "2", "--device", "cpu", "--quiet"); code != 0 || strings.Count(stderr, said) != 1 {
		t.Errorf("a GPU run's --tf32 resumed on the CPU: exit %d, want the line once:\n%s", code, stderr)
	}
	for name, device := range map[string]string{"gpu.json": "cuda", "hand.json": "cpu"} {
		var cfg map[string]any
		if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "whole", run.ConfigFile)), &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["device"] = map[string]any{"name": device, "tf32": true, "threads": 0}
		file := filepath.Join(dir, name)
		b, _ := json.Marshal(cfg)
		os.WriteFile(file, b, 0o644)
		_, stderr, code := output(t, "train", "--config", file, "--device", "cpu", "--out", filepath.Join(dir, "again-"+device), "--quiet")
		if code != 0 || strings.Count(stderr, said) != 1 {
			t.Errorf("--config with %s and tf32, on --device cpu: exit %d, want the line once:\n%s", device, code, stderr)
		}
	}
	t.Setenv("MNISTGPU_TF32", "1")
	if _, stderr, code := output(t, "train", "--config", filepath.Join(dir, "whole", run.ConfigFile), "--out", filepath.Join(dir, "exported"), "--quiet"); code != 0 || strings.Contains(stderr, "--tf32") {
		t.Errorf("MNISTGPU_TF32=1 over a CPU run's config: exit %d, want no line about it:\n%s", code, stderr)
	}
}
