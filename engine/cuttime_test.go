package engine_test

import (
	"testing"
	"time"

	"mnistgpu/engine"
)

// An epoch its step budget cuts short is timed to its cut, as an epoch
// that ends whole is timed before its state is saved: its seconds (the
// history's, and the progress line's per step) are those of its state at
// the cut, without the save. They counted the save, and a cut epoch of
// 1 ms steps said "12ms/step".
func TestCutEpochTimeLeavesOutItsSave(t *testing.T) {
	train, _ := resumeData(t)
	r := newRun(t, resumeCaseNamed(t, "val_accuracy"), t.TempDir())
	var atCut float64
	cfg := engine.FitConfig{Epochs: 2, BatchSize: 16, MaxSteps: stepsPerEpoch + 3,
		AfterEpoch: func(ck *engine.TrainCheckpoint) error {
			if ck.EpochStep > 0 {
				atCut = ck.EpochSeconds
				time.Sleep(20 * time.Millisecond) // a slow disk
			}
			return nil
		}}
	h, err := engine.Fit(r.model, r.opt, train, engine.Dataset{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Seconds) != 2 || atCut == 0 || h.Seconds[1] != atCut {
		t.Errorf("the cut epoch took %v s, its state at the cut says %v s", h.Seconds, atCut)
	}
}
