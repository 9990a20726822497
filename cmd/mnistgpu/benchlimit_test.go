package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestBenchWeighsTheOptimizerState: bench trains with Adam, whose two
// moments per weight are more than the model's weights and gradients; it
// weighed the model as evaluate does, without them, so a model whose
// training needs 42.5 GiB passed on a machine of 23.5 GiB, was compiled,
// and filled the memory for minutes. Here a model that fits the host for
// evaluation and not for training is refused before it is compiled.
func TestBenchWeighsTheOptimizerState(t *testing.T) {
	p := filepath.Join(t.TempDir(), "wide.json")
	src := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":20000,"activation":"relu"},{"type":"Dense","units":10,"activation":"softmax"}]}`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := run.HostMemory
	run.HostMemory = func() (int64, string) { return 400 << 20, "test limit" }
	t.Cleanup(func() { run.HostMemory = saved })
	err := cliRun("bench", "--model", p, "--batch-size", "8", "--steps", "1", "--runs", "1", "--warmup", "0")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--model "+p+" needs about ") {
		t.Errorf("bench of a model whose training does not fit: err = %v, want exit 2 naming --model", err)
	}
}
