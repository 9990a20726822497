//go:build cuda

package gpu

import (
	"errors"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// stopProgress counts steps as stepCounter does and closes stop once the
// model has taken `at` steps.
type stopProgress struct {
	*stepCounter
	m    *engine.Model
	at   uint64
	stop chan struct{}
}

func (p *stopProgress) BatchEnd(step int, metrics func() engine.Logs) {
	p.stepCounter.BatchEnd(step, metrics)
	if p.m.Steps() == p.at {
		close(p.stop)
	}
}

// stopOnDevice trains graphCase c with replayed steps, stops it after `at`
// steps, and returns the state it saved, read back from its file.
func stopOnDevice(t *testing.T, b *Backend, c graphCase, at uint64) *engine.TrainCheckpoint {
	t.Helper()
	m := smallNet(t, b, graphBatch)
	train, val := conformance.SyntheticDigits(graphTrain, 3), conformance.SyntheticDigits(20, 4)
	p := &stopProgress{stepCounter: &stepCounter{b: b}, m: m, at: at, stop: make(chan struct{})}
	path := filepath.Join(t.TempDir(), "state.safetensors")
	_, err := engine.Fit(m, c.opt(), train, val, engine.FitConfig{Epochs: graphEpochs, BatchSize: graphBatch, Shuffle: true, Seed: 5,
		Callbacks: c.callbacks(), Progress: p, Stop: p.stop,
		AfterEpoch: func(ck *engine.TrainCheckpoint) error { return ck.Save(path) }})
	var stopped *engine.StoppedError
	if !errors.As(err, &stopped) {
		t.Fatalf("stopping after %d steps: %v", at, err)
	}
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != at || ck.EpochStep != int(at%graphSteps) {
		t.Fatalf("stopped after %d steps: state at step %d, %d of its epoch", at, ck.Step, ck.EpochStep)
	}
	return ck
}

// A run stopped within an epoch on the device and resumed from its state
// ends with the uninterrupted run's weights and history, bit for bit, for
// stops in each epoch (one just before the partial last batch) and with a
// rate that changes between epochs. The resumed pass replays its steps: its
// first step is the resumed step less those taken before (Stepper.
// ResumePass), so only each batch size's first step runs eagerly.
func TestFitStopResumesOnDevice(t *testing.T) {
	b := device(t)
	for _, c := range graphCases {
		t.Run(c.name, func(t *testing.T) {
			whole := fitOnDevice(t, b, c, false, nil)
			for _, at := range []uint64{graphSteps + 3, 3*graphSteps - 2} {
				resumed := fitOnDevice(t, b, c, false, stopOnDevice(t, b, c, at))
				sameBits(t, "weights after a stop and resume", resumed.weights, whole.weights)
				sameHistory(t, resumed.hist, whole.hist)
				launches := int64(0)
				for _, e := range resumed.steps {
					for _, s := range e {
						launches += s.GraphLaunches
					}
				}
				// Each batch size's first step after the resume is eager.
				if want := int64(graphEpochs*graphSteps) - int64(at) - 2; launches != want {
					t.Errorf("stopped after %d steps: %d steps replayed after the resume, want %d", at, launches, want)
				}
			}
		})
	}
}
