package main

import (
	"encoding/json"
	"testing"
)

// bench --threads 1,2 runs each and gives the scaling; a bad list is a
// usage error.
func TestBenchThreadList(t *testing.T) {
	stdout, stderr, code := output(t, "bench", "--device", "cpu", "--model", "mlp", "--threads", "1,2", "--steps", "2", "--runs", "1", "--warmup", "1", "--format", "json")
	var rs []benchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &rs) != nil || len(rs) != 2 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if rs[0].Threads != 1 || rs[1].Threads != 2 || rs[0].SpeedUp != 0 || rs[1].SpeedUp <= 0 || rs[1].MsPerStep <= 0 {
		t.Errorf("results %+v", rs)
	}
	if err := cliRun("bench", "--threads", "0,x"); exitCode(err) != 2 {
		t.Errorf("--threads 0,x: %v", err)
	}
}
