package engine_test

import (
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

// biasLossCPU is the CPU backend with an engine.BiasLossMetricsFuser
// composed of its own kernels, counting its calls.
type biasLossCPU struct {
	*cpu.Backend
	calls int
}

func (c *biasLossCPU) BiasSoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, bias, t, probs, dz, loss, correct, metrics, db engine.Buffer) {
	c.calls++
	c.BiasAdd(rows, cols, z, bias)
	engine.SoftmaxCrossEntropyMetrics(c, rows, cols, scale, z, t, probs, dz, loss, correct, metrics)
	c.BiasGrad(rows, cols, dz, db)
}

// In a training step on a backend with BiasLossMetricsFuser the last
// Dense's bias and its gradient go through the loss's call (once per step,
// never when evaluating, so HostGradients stays the last step's), and the
// run ends bit for bit as on the unfused calls.
func TestBiasLossFusedTrainsAsUnfused(t *testing.T) {
	mlp := func() *engine.Model {
		m, err := engine.Presets["mlp"].Build()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	wantW, wantLogs, wantOut := fitBits(t, cpu.New(), mlp())
	b := &biasLossCPU{Backend: cpu.New()}
	w, logs, out := fitBits(t, b, mlp())
	if b.calls != 2*5 {
		t.Errorf("%d fused loss calls, want one per training step, 10", b.calls)
	}
	sameRun(t, "fused", w, wantW, logs, wantLogs, out, wantOut)
}

// Only a softmax output fused into categorical cross-entropy takes the
// bias of the Dense below it: not binary cross-entropy.
func TestBiasLossFusedOnlyUnderSoftmaxLoss(t *testing.T) {
	for _, c := range []struct {
		loss  engine.Loss
		calls int
	}{{engine.CategoricalCrossEntropy, 1}, {engine.BinaryCrossEntropyLoss, 0}} {
		m, err := engine.NewSequential(engine.Shape{4},
			&engine.Dense{Units: 3, Activation: engine.ReLU}, &engine.Dense{Units: 2, Activation: engine.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		b := &biasLossCPU{Backend: cpu.New()}
		if err := m.Compile(b, c.loss, 2); err != nil {
			t.Fatal(err)
		}
		d := engine.Dataset{Images: []uint8{1, 2, 3, 4, 4, 3, 2, 1}, Labels: []uint8{0, 1}, Shape: engine.Shape{4}, Classes: 2}
		if _, err := engine.Fit(m, engine.NewSGD(0.1, 0, false), d, engine.Dataset{}, engine.FitConfig{Epochs: 1, BatchSize: 2}); err != nil {
			t.Fatal(err)
		}
		m.Free()
		if b.calls != c.calls {
			t.Errorf("%v: %d fused loss calls, want %d", c.loss, b.calls, c.calls)
		}
	}
}
