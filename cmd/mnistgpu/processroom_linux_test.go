//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestProcessLimitIsWeighed: a run is weighed against the process's own
// address-space limit (ulimit -v, as batch schedulers set) too, not only
// the machine's memory. Under ulimit -v 2 GB, bench of a model whose
// training needs 3.4 GiB passed the machine's 23.5 GiB, was compiled, and
// died in "fatal error: out of memory" with a trace of every goroutine.
func TestProcessLimitIsWeighed(t *testing.T) {
	if limit, _ := run.HostMemory(); limit > 0 && limit < 4<<30 {
		t.Skipf("the machine's %d bytes refuse the model before the process's limit is weighed", limit)
	}
	p := filepath.Join(t.TempDir(), "wide.json")
	src := `{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":150000,"activation":"relu"},{"type":"Dense","units":10,"activation":"softmax"}]}`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The limit is set in a shell around the command: setting this test
	// process's own would limit every test beside it.
	cmd := exec.Command("sh", "-c", `ulimit -v 2000000 && exec "$0" "$@"`, os.Args[0],
		"bench", "--model", p, "--steps", "1", "--runs", "1", "--warmup", "0")
	cmd.Env = command().Env
	msg, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out := string(msg)
	if code != 2 || strings.Contains(out, "goroutine") || !strings.Contains(out, "--model "+p+" needs about ") ||
		!strings.Contains(out, "address-space limit (ulimit -v)") {
		t.Errorf("bench of a model beyond ulimit -v: exit %d, output:\n%.2000s\nwant exit 2, one line naming --model and the limit", code, out)
	}
}
