package run

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
)

// A state an earlier version saved when --max-steps cut an epoch short is
// that epoch's end, the cut epoch in its history with fewer steps than the
// others. Continued with a budget that ends exactly at the last epoch's
// end, the run trained all its epochs: its result says no stop. It said
// "max_steps", the log "step budget spent … before the epoch's end" under
// an epoch trained whole, counting steps against the history's epochs.
func TestOlderCutStateEndsWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := smallRun(t, dir)
	// 320 training images in batches of 64: 5 steps an epoch; 7 cut
	// epoch 2 after 2 steps.
	cfg.Epochs, cfg.Data.TrainLimit, cfg.MaxSteps = 4, 400, 7
	if _, err := Train(cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, StateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.NextEpoch != 1 || ck.EpochStep != 2 {
		t.Fatalf("budget 7: state at epoch %d, step %d", ck.NextEpoch+1, ck.EpochStep)
	}
	// As the earlier version saved it: at the cut epoch's end, which its
	// history holds (history.json now holds the whole epochs only).
	fh, err := os.Open(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.ReadHistoryJSON("history.json", fh)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Logs) != 1 {
		t.Fatalf("budget 7: history.json of epochs %v, want the 1 whole", h.Epochs)
	}
	h.Append(1, h.Logs[0], 0)
	var raw bytes.Buffer
	if err := h.WriteJSON(&raw); err != nil {
		t.Fatal(err)
	}
	ck.History = raw.Bytes()
	ck.NextEpoch, ck.EpochStep, ck.Metrics, ck.EpochSeconds = 2, 0, nil, 0
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}

	// Epochs 3 and 4 whole: steps 8 to 17.
	cfg, ck, err = LoadResume(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxSteps = 17
	if err := CheckResume(cfg, ck); err != nil {
		t.Fatal(err)
	}
	r, err := Train(cfg, Options{Resume: ck})
	if err != nil {
		t.Fatal(err)
	}
	if r.Epochs != 4 || r.Steps != 17 || r.Stopped != "" {
		t.Errorf("continued to the last epoch's end: %d epochs, %d steps, stopped %q; want 4, 17 and no stop", r.Epochs, r.Steps, r.Stopped)
	}
}
