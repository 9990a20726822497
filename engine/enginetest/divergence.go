package enginetest

import (
	"errors"
	"math"
	"testing"
	"time"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// Divergence trains runs made to diverge (SGD at a rate of 10³⁰) on ref and
// on b, eagerly and replaying captured steps where b can, and checks that b
// names the epoch and step ref names, the first whose loss was not finite,
// however rarely b reads the loss (Traits.LossReadEvery): from the first
// step, after a resume within an epoch, and in runs ended before a read by
// MaxSteps or by a stop (FitConfig.Stop) that saves no state. ref must read the loss every step. An epoch is 60 steps,
// so that a device reading every 50 steps reads after the divergence. The
// models take the three ways to the kernel that adds the metrics: a Dense's
// bias fused into the softmax loss, the softmax loss without it, binary
// cross-entropy. It returns b's errors for the backend's own checks.
func Divergence(t *testing.T, ref, b engine.Backend) []*engine.NonFiniteError {
	t.Helper()
	if ref.Traits().LossReadEvery > 1 {
		t.Fatalf("the reference %s reads the loss every %d steps", ref.Name(), ref.Traits().LossReadEvery)
	}
	var got []*engine.NonFiniteError
	for _, model := range divergeModels {
		for _, c := range divergenceCases {
			t.Run(model.name+"/"+c.name, func(t *testing.T) {
				want := c.run(t, ref, model, true)
				if want.Step < 1 || want.Step >= divergeRead {
					t.Fatalf("%s diverged at step %d: the case tests no step between the loss reads", ref.Name(), want.Step)
				}
				for _, eager := range []bool{true, false} {
					e := c.run(t, b, model, eager)
					if e.Epoch != want.Epoch || e.Step != want.Step {
						t.Errorf("eager %v: %q; the reference says epoch %d, step %d", eager, e, want.Epoch, want.Step)
					}
					if !math.IsNaN(e.Loss) && !math.IsInf(e.Loss, 0) {
						t.Errorf("eager %v: the loss at the step is %v", eager, e.Loss)
					}
					if e.ReadStep < e.Step || e.ReadStep >= e.Step+max(b.Traits().LossReadEvery, 1) {
						t.Errorf("eager %v: the loss read at step %d for a divergence at step %d", eager, e.ReadStep, e.Step)
					}
					got = append(got, e)
				}
			})
		}
	}
	return got
}

// divergeBatch and divergeTrain make epochs of 60 steps; divergeRead is a
// read of a device that reads the loss every 50.
const divergeBatch, divergeTrain, divergeRead = 2, 120, 50

type divergenceCase struct {
	name string
	run  func(t *testing.T, b engine.Backend, model divergeModel, eager bool) *engine.NonFiniteError
}

var divergenceCases = []divergenceCase{
	{"from the start", func(t *testing.T, b engine.Backend, model divergeModel, eager bool) *engine.NonFiniteError {
		return diverge(t, b, model, engine.FitConfig{Eager: eager})
	}},
	{"resumed at step 20", func(t *testing.T, b engine.Backend, model divergeModel, eager bool) *engine.NonFiniteError {
		var ck *engine.TrainCheckpoint
		m := divergeNet(t, b, model)
		defer m.Free()
		_, err := engine.Fit(m, engine.NewSGD(0.01, 0, false), conformance.SyntheticDigits(divergeTrain, 3), engine.Dataset{},
			engine.FitConfig{Epochs: 1, BatchSize: divergeBatch, SaveEverySteps: 20, Eager: eager,
				AfterEpoch: func(c *engine.TrainCheckpoint) error {
					if ck == nil {
						ck = c
					}
					return nil
				}})
		if err != nil || ck == nil || ck.EpochStep != 20 {
			t.Fatalf("the run to resume from: %v, a checkpoint at step %v", err, ck)
		}
		return diverge(t, b, model, engine.FitConfig{Resume: ck, Eager: eager,
			Callbacks: []engine.Callback{&engine.LearningRateScheduler{Schedule: engine.Values{1e30}}}})
	}},
	{"stopped by MaxSteps before a read", func(t *testing.T, b engine.Backend, model divergeModel, eager bool) *engine.NonFiniteError {
		return diverge(t, b, model, engine.FitConfig{MaxSteps: 10, Eager: eager})
	}},
	{"stopped before a read, saving nothing", func(t *testing.T, b engine.Backend, model divergeModel, eager bool) *engine.NonFiniteError {
		s := &stopAfter{at: 10, stop: make(chan struct{})}
		return diverge(t, b, model, engine.FitConfig{Stop: s.stop, Progress: s, Eager: eager})
	}},
}

// stopAfter closes stop after step at of the first epoch, as a signal
// arriving between two reads of the loss.
type stopAfter struct {
	at   int
	stop chan struct{}
}

func (s *stopAfter) EpochBegin(int, int, int) {}
func (s *stopAfter) BatchEnd(step int, _ func() engine.Logs) {
	if step == s.at {
		close(s.stop)
	}
}
func (s *stopAfter) EpochEnd(int, engine.Logs, time.Duration) {}

// diverge trains a fresh net on b with SGD at 10³⁰ as cfg says and returns
// the NonFiniteError that must end it.
func diverge(t *testing.T, b engine.Backend, model divergeModel, cfg engine.FitConfig) *engine.NonFiniteError {
	t.Helper()
	m := divergeNet(t, b, model)
	defer m.Free()
	cfg.Epochs, cfg.BatchSize = 2, divergeBatch
	_, err := engine.Fit(m, engine.NewSGD(1e30, 0, false), conformance.SyntheticDigits(divergeTrain, 3), engine.Dataset{}, cfg)
	var nf *engine.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("%s: training at a rate of 1e30 ended with %v, want a NonFiniteError", b.Name(), err)
	}
	return nf
}

// DivergeOnce is Divergence's first run on b alone: a dense net diverging
// from the first step, with the error that ends it.
func DivergeOnce(t *testing.T, b engine.Backend) *engine.NonFiniteError {
	t.Helper()
	return divergenceCases[0].run(t, b, divergeModels[0], true)
}

// divergeModel is a small dense net with top under its softmax output (a
// Dropout between the last Dense and the softmax) and its loss: each takes
// another way to the kernel that adds the metrics.
type divergeModel struct {
	name string
	top  engine.LayerSpec
	loss engine.Loss
}

var divergeModels = []divergeModel{
	{"dense under the softmax", engine.LayerSpec{Type: "Dense", Units: 10, Activation: "softmax"}, engine.CategoricalCrossEntropy},
	{"dropout under the softmax", engine.LayerSpec{Type: "Dropout", Rate: 0.1}, engine.CategoricalCrossEntropy},
	{"binary cross-entropy", engine.LayerSpec{Type: "Dense", Units: 10, Activation: "softmax"}, engine.BinaryCrossEntropyLoss},
}

func divergeNet(t *testing.T, b engine.Backend, model divergeModel) *engine.Model {
	t.Helper()
	top := model.top
	layers := []engine.LayerSpec{{Type: "Flatten"}, {Type: "Dense", Units: 16, Activation: "relu"}, top}
	if top.Type == "Dropout" {
		layers = append(layers[:2], engine.LayerSpec{Type: "Dense", Units: 10}, top, engine.LayerSpec{Type: "Activation", Activation: "softmax"})
	}
	m, err := engine.ModelSpec{Name: "diverge", InputShape: []int{28, 28, 1}, Layers: layers}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(b, model.loss, divergeBatch); err != nil {
		t.Fatal(err)
	}
	m.Init(7)
	return m
}
