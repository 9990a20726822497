package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// TestBrokenPipeStopsTheRun: a run whose log reader is gone with no signal
// (`train 2>&1 | head`) stops at its next step boundary with its state
// saved and exits 141, as SIGPIPE's own: with SIGPIPE caught for a stop's
// sake, it trained on to its last epoch with nobody reading and exited 0.
func TestBrokenPipeStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	out := filepath.Join(dir, "run")
	cmd, pipe, sc, _ := startReadingStderr(t, stopArgs(model, out)...)
	for sc.Scan() && !strings.Contains(sc.Text(), "Epoch 1/4") {
	}
	pipe.(interface{ Close() error }).Close()
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 141 {
		t.Fatalf("log pipe gone: exit %d (%v), want 141", code, cmd.ProcessState)
	}
	if m := readMetrics(t, out); m[len(m)-1]["event"] != "stopped" {
		t.Errorf("the last record of %s is %v, want the stop's", run.MetricsFile, m[len(m)-1])
	}
	ck, err := engine.LoadTrainCheckpoint(filepath.Join(out, run.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if ck.NextEpoch >= 4 {
		t.Errorf("the state goes on at epoch %d: the run trained to its end", ck.NextEpoch)
	}
}
