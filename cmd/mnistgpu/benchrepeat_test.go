package main

import (
	"strings"
	"testing"
)

// bench --threads 1,1 (a count listed twice, on the command line or in
// MNISTGPU_THREADS) is refused, exit 2, naming the flag and the count,
// before anything runs: it ran the count twice and printed a "speed-up"
// of one thread over one.
func TestBenchThreadsListedTwiceAreRefused(t *testing.T) {
	for _, c := range []struct{ list, says string }{
		{"1,1", `--threads lists 1 twice, got "1,1": give each thread count once`},
		{"2,4, 02", `--threads lists 2 twice, got "2,4, 02"`},
		{"0,1,0", `--threads lists 0 twice`},
	} {
		if err := cliRun("bench", "--device", "cpu", "--model", "mlp", "--threads", c.list); exitCode(err) != 2 || !strings.Contains(err.Error(), c.says) {
			t.Errorf("--threads %s: %v (exit %d), want exit 2 saying %q", c.list, err, exitCode(err), c.says)
		}
	}
	t.Setenv("MNISTGPU_THREADS", "3,3")
	want := `--threads lists 3 twice, got "3,3" (--threads was given by the environment: MNISTGPU_THREADS=3,3)`
	if err := cliRun("bench", "--device", "cpu", "--model", "mlp"); exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("MNISTGPU_THREADS=3,3: %v (exit %d), want exit 2 saying %q", err, exitCode(err), want)
	}
}
