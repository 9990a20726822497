//go:build cuda

package gpu

import (
	"math"
	"testing"
	"time"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// stepCounter records the backend's counts at every step of a Fit (through
// Progress, which never asks for the metrics, so it adds no host sync).
type stepCounter struct {
	b     *Backend
	last  engine.Counts
	steps [][]engine.Counts // per epoch, per step: the work since the step before
}

func (c *stepCounter) EpochBegin(int, int, int) {
	c.steps = append(c.steps, nil)
	c.last = c.b.Counts()
}
func (c *stepCounter) BatchEnd(int, func() engine.Logs) {
	now := c.b.Counts()
	c.steps[len(c.steps)-1] = append(c.steps[len(c.steps)-1], now.Sub(c.last))
	c.last = now
}
func (c *stepCounter) EpochEnd(int, engine.Logs, time.Duration) {}

// fitRun is one training run on the device: its final weights, history and
// the work of each step.
type fitRun struct {
	weights []float32
	hist    *engine.History
	steps   [][]engine.Counts
	cks     []*engine.TrainCheckpoint
}

// smallNet is a convolution, a pool, dropout and a softmax layer: every
// kind of per-step value a step reads (the batch's place, dropout's
// counter, the optimizer's step and rate), cheap enough for the stand-in.
func smallNet(t *testing.T, b *Backend, batch int) *engine.Model {
	t.Helper()
	m, err := engine.ModelSpec{Name: "small", InputShape: []int{28, 28, 1}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 4, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
		{Type: "MaxPooling2D", PoolSize: []int{2, 2}},
		{Type: "Flatten"},
		{Type: "Dropout", Rate: 0.25},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(b, engine.CategoricalCrossEntropy, batch); err != nil {
		t.Fatal(err)
	}
	m.Init(11)
	return m
}

// graphCase is a training configuration run eagerly and replayed.
type graphCase struct {
	name      string
	opt       func() engine.Optimizer
	callbacks func() []engine.Callback
}

var graphCases = []graphCase{
	{"adam, step decay", func() engine.Optimizer { return engine.NewAdam(2e-3) },
		func() []engine.Callback {
			return []engine.Callback{&engine.LearningRateScheduler{Schedule: engine.StepDecay{Initial: 2e-3, Factor: 0.5, Every: 1}}}
		}},
	{"sgd nesterov, rate values and plateau", func() engine.Optimizer { return engine.NewSGD(0.05, 0.9, true) },
		func() []engine.Callback {
			return []engine.Callback{&engine.LearningRateScheduler{Schedule: engine.Values{0.05, 0.02}},
				&engine.ReduceLROnPlateau{Monitor: "loss", Factor: 0.5, Patience: 1, MinDelta: 10}}
		}},
}

// The training set: 5 batches of 16 and a partial batch of 6 per epoch.
const (
	graphBatch, graphTrain, graphEpochs = 16, 86, 3
	graphSteps                          = (graphTrain + graphBatch - 1) / graphBatch
)

func fitOnDevice(t *testing.T, b *Backend, c graphCase, eager bool, resume *engine.TrainCheckpoint) fitRun {
	t.Helper()
	m := smallNet(t, b, graphBatch)
	train, val := conformance.SyntheticDigits(graphTrain, 3), conformance.SyntheticDigits(20, 4)
	counter := &stepCounter{b: b}
	var run fitRun
	h, err := engine.Fit(m, c.opt(), train, val, engine.FitConfig{Epochs: graphEpochs, BatchSize: graphBatch, Shuffle: true, Seed: 5,
		Callbacks: c.callbacks(), Progress: counter, Eager: eager, Resume: resume,
		AfterEpoch: func(ck *engine.TrainCheckpoint) error { run.cks = append(run.cks, ck); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	run.weights, run.hist, run.steps = m.HostWeights(), h, counter.steps
	return run
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
}

func sameHistory(t *testing.T, got, want *engine.History) {
	t.Helper()
	if len(got.Logs) != len(want.Logs) {
		t.Fatalf("history of %d epochs, want %d", len(got.Logs), len(want.Logs))
	}
	for e := range want.Logs {
		for k, v := range want.Logs[e] {
			if got.Logs[e][k] != v {
				t.Errorf("epoch %d %s: %v, want %v", e+1, k, got.Logs[e][k], v)
			}
		}
	}
}

// A Fit that replays captured steps trains exactly as one that launches
// every step eagerly (weights bit for bit, the same history) with Adam and
// SGD, learning-rate schedules, dropout, shuffled passes and a partial last
// batch; a replayed step is one graph launch and no host sync, with the
// eager step's kernels, and the rate is written only when it changes.
func TestFitReplayIsEager(t *testing.T) {
	b := device(t)
	for _, c := range graphCases {
		t.Run(c.name, func(t *testing.T) {
			eager := fitOnDevice(t, b, c, true, nil)
			replayed := fitOnDevice(t, b, c, false, nil)
			sameBits(t, "weights", replayed.weights, eager.weights)
			sameHistory(t, replayed.hist, eager.hist)
			if lr := eager.hist.Logs[graphEpochs-1]["lr"]; lr == eager.hist.Logs[0]["lr"] {
				t.Errorf("the rate never changed (%v): the case does not test a change", lr)
			}
			launches := 0
			for e := range replayed.steps {
				for s, got := range replayed.steps[e] {
					want := eager.steps[e][s]
					if want.GraphLaunches != 0 {
						t.Fatalf("eager epoch %d step %d: %d graph launches", e+1, s+1, want.GraphLaunches)
					}
					// Replayed: from the second step of each batch size on.
					replay := !(e == 0 && (s == 0 || s == graphSteps-1))
					if !replay {
						if got.GraphLaunches != 0 {
							t.Errorf("epoch %d step %d (eager, its size's first): %d graph launches", e+1, s+1, got.GraphLaunches)
						}
						continue
					}
					launches += int(got.GraphLaunches)
					syncs := int64(0)
					if s == graphSteps-1 {
						syncs = 1 // the epoch's loss read
					}
					if got.GraphLaunches != 1 || got.HostSyncs != syncs || got.Kernels != want.Kernels || got.LibraryCalls != want.LibraryCalls {
						t.Errorf("epoch %d step %d replayed: %+v; want 1 graph launch, %d host syncs and the eager step's %d kernels",
							e+1, s+1, got, syncs, want.Kernels)
					}
					// No clock writes but at a pass's first step (its start
					// and, after a change, the rate) and after eager steps.
					if s > 0 && !(e == 0 && s == 1) && got.Copies != want.Copies {
						t.Errorf("epoch %d step %d replayed: %d copies/fills, the eager step %d", e+1, s+1, got.Copies, want.Copies)
					}
				}
			}
			if want := graphEpochs*graphSteps - 2; launches != want {
				t.Errorf("%d steps replayed, want %d", launches, want)
			}
		})
	}
}

// A run resumed from a checkpoint continues with the device's step clock
// set from the checkpoint's step count: it ends with the weights of the
// uninterrupted run, which are the eager run's.
func TestFitReplayResumes(t *testing.T) {
	b := device(t)
	c := graphCases[0]
	whole := fitOnDevice(t, b, c, false, nil)
	resumed := fitOnDevice(t, b, c, false, whole.cks[0])
	sameBits(t, "weights after resuming", resumed.weights, whole.weights)
	sameHistory(t, resumed.hist, whole.hist)
	launches := int64(0)
	for _, e := range resumed.steps {
		for _, s := range e {
			launches += s.GraphLaunches
		}
	}
	// Epochs 2 and 3, each size's first step eager.
	if want := int64((graphEpochs-1)*graphSteps - 2); launches != want {
		t.Errorf("resumed run: %d steps replayed, want %d", launches, want)
	}
}

// The report's CNN trained by Fit (batch 64, Adam, resident batches): after
// the first, eager step each step is one graph launch of 19 kernels plus
// the convolution passes' (5 with one cuDNN call each, 10 on the own path)
// with no host sync but the loss read at the end of the epoch.
func TestFitStepCounts(t *testing.T) {
	b := device(t)
	m, err := engine.Presets["cnn"].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(b, engine.CategoricalCrossEntropy, 64); err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	counter := &stepCounter{b: b}
	if _, err := engine.Fit(m, engine.NewAdam(1e-3), conformance.SyntheticDigits(4*64, 1), engine.Dataset{},
		engine.FitConfig{Epochs: 1, BatchSize: 64, Progress: counter}); err != nil {
		t.Fatal(err)
	}
	steps := counter.steps[0]
	for s, got := range steps[1:] {
		extra := cnnConvExtra(t, b, 64)
		want := engine.Counts{Kernels: cnnKernels + extra.Kernels, LibraryCalls: cnnLibraryCalls + extra.LibraryCalls, Copies: 2, GraphLaunches: 1}
		if s == 0 {
			want.Copies += 3 // the clock's step, rate and pass start, written once
		}
		if s == len(steps)-2 {
			want.HostSyncs = 1 // the loss read
		}
		t.Logf("step %d: %+v", s+2, got)
		if got != want {
			t.Errorf("step %d: %+v, want %+v", s+2, got, want)
		}
	}
}
