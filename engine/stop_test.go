package engine_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"mnistgpu/engine"
)

// stopAfter closes Stop once the model has taken `at` steps, as a signal
// arriving during that step would (Progress.BatchEnd follows each step).
type stopAfter struct {
	m    *engine.Model
	at   uint64
	stop chan struct{}
}

func (s *stopAfter) EpochBegin(int, int, int) {}
func (s *stopAfter) BatchEnd(int, func() engine.Logs) {
	if s.m.Steps() == s.at {
		close(s.stop)
	}
}
func (s *stopAfter) EpochEnd(int, engine.Logs, time.Duration) {}

// stopAt adjusts a run to be stopped after `at` steps.
func stopAt(at uint64) func(*engine.FitConfig, *fitResult) {
	return func(cfg *engine.FitConfig, r *fitResult) {
		s := &stopAfter{m: r.model, at: at, stop: make(chan struct{})}
		cfg.Stop, cfg.Progress = s.stop, s
	}
}

// stepsPerEpoch is resumeData's 120 training samples in batches of 16: 7
// full batches and one of 8.
const stepsPerEpoch = 8

// A run stopped at a step boundary and resumed from the state it saved
// ends as the uninterrupted run does, bit for bit (weights, history,
// learning rate, callbacks' state and files), wherever it stopped: after
// the first step, within an epoch, after an epoch's last step (the state is
// then at the next epoch's start), after a plateau halved the rate, in the
// last epoch; and when stopped twice. The runs shuffle, augment, drop out
// and end each epoch with a partial batch.
func TestStopMidEpochResumesBitIdentical(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	whole := fitInto(t, c, t.TempDir(), c.epochs, false)
	for _, stops := range [][]uint64{{1}, {5}, {stepsPerEpoch}, {13}, {6*stepsPerEpoch - 1}, {6*stepsPerEpoch + 3}, {3, 21}} {
		dir := t.TempDir()
		for i, at := range stops {
			r, err := fitWith(t, c, dir, c.epochs, i > 0, stopAt(at))
			var stopped *engine.StoppedError
			if !errors.As(err, &stopped) {
				t.Fatalf("stops %v: run stopped at step %d returned %v, want a StoppedError", stops, at, err)
			}
			epoch, step := int(at/stepsPerEpoch)+1, int(at%stepsPerEpoch)
			if stopped.Epoch != epoch || stopped.Step != step || r.model.Steps() != at {
				t.Fatalf("stops %v: stopped at epoch %d, step %d after %d steps; want epoch %d, step %d after %d",
					stops, stopped.Epoch, stopped.Step, r.model.Steps(), epoch, step, at)
			}
			ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, stateName))
			if err != nil {
				t.Fatal(err)
			}
			if ck.NextEpoch != epoch-1 || ck.EpochStep != step || ck.Step != at || (step > 0) != (len(ck.Metrics) == 2) {
				t.Fatalf("stops %v: state at epoch %d, step %d (%d in all, %d metrics); want %d, %d (%d)",
					stops, ck.NextEpoch+1, ck.EpochStep, ck.Step, len(ck.Metrics), epoch, step, at)
			}
		}
		resumed := fitInto(t, c, dir, c.epochs, true)
		c.check(t, resumed)
		compareRuns(t, whole, resumed)
	}
}

// savedStates records the states a run passes to AfterEpoch (saving each
// as the run would) and fails the run, as a SIGKILL would, after the n-th.
func savedStates(dir string, n int, seen *[]*engine.TrainCheckpoint) func(*engine.FitConfig, *fitResult) {
	errKilled := errors.New("killed")
	return func(cfg *engine.FitConfig, _ *fitResult) {
		cfg.SaveEverySteps = 3
		cfg.AfterEpoch = func(ck *engine.TrainCheckpoint) error {
			if err := ck.Save(filepath.Join(dir, stateName)); err != nil {
				return err
			}
			if *seen = append(*seen, ck); len(*seen) == n {
				return errKilled
			}
			return nil
		}
	}
}

// SaveEverySteps saves a mid-epoch state after every third step (not at an
// epoch's last step, where the epoch's own state follows), so a run killed
// in the middle of an epoch continues from its last third step, and ends
// as the uninterrupted run does.
func TestSaveEveryStepsResumesBitIdentical(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	whole := fitInto(t, c, t.TempDir(), c.epochs, false)
	dir := t.TempDir()
	var seen []*engine.TrainCheckpoint
	if _, err := fitWith(t, c, dir, c.epochs, false, savedStates(dir, 6, &seen)); err == nil {
		t.Fatal("the killed run ended without an error")
	}
	// Steps 3, 6, epoch 1's end (8), 9, 12, 15: step 15 is epoch 2's 7th.
	var got [][2]int
	for _, ck := range seen {
		got = append(got, [2]int{ck.NextEpoch, ck.EpochStep})
	}
	want := [][2]int{{0, 3}, {0, 6}, {1, 0}, {1, 1}, {1, 4}, {1, 7}}
	if len(got) != len(want) {
		t.Fatalf("states (epoch, step) %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("states (epoch, step) %v, want %v", got, want)
		}
	}
	resumed := fitInto(t, c, dir, c.epochs, true)
	compareRuns(t, whole, resumed)
}

// An epoch stopped and resumed counts its time before the stop: the state
// records it (EpochSeconds) and the epoch's history entry adds it to the
// time after the resume. The entry held only the part after the resume.
// The state is given a time before the stop far beyond what the rest of
// the epoch takes, so the entry holds it only if it is added: compared with
// the few milliseconds measured, the check passed half the time without it.
func TestStoppedEpochKeepsItsTime(t *testing.T) {
	c := resumeCaseNamed(t, "val_accuracy")
	dir := t.TempDir()
	if _, err := fitWith(t, c, dir, c.epochs, false, stopAt(5)); !errors.As(err, new(*engine.StoppedError)) {
		t.Fatalf("the run stopped after step 5 returned %v", err)
	}
	ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, stateName))
	if err != nil {
		t.Fatal(err)
	}
	if !(ck.EpochSeconds > 0) {
		t.Fatalf("the state after 5 steps of epoch 1 records %v s of it", ck.EpochSeconds)
	}
	const before = 1000.0 // seconds: 8 steps of a tiny model take milliseconds
	ck.EpochSeconds = before
	if err := ck.Save(filepath.Join(dir, stateName)); err != nil {
		t.Fatal(err)
	}
	resumed := fitInto(t, c, dir, c.epochs, true)
	if got := resumed.history.Seconds[0]; !(got > before) {
		t.Errorf("epoch 1 took %v s in the history, not more than the %v s before its stop", got, before)
	}
}
