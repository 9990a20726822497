package engine_test

import (
	"math"
	"strings"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/enginetest"
)

// sparseCPU is the CPU backend reading the loss every 50 steps, as the GPU
// does, with loss kernels that keep no record of the first non-finite step.
type sparseCPU struct{ *cpu.Backend }

func (sparseCPU) Traits() engine.Traits { return engine.Traits{LossReadEvery: 50, HostThreads: true} }

// recordingCPU is sparseCPU adding the metrics with the record of the first
// non-finite step that engine.MetricFiniteSteps describes (on the host, as
// the GPU's kernels do on the device in the launch that adds the sums).
type recordingCPU struct{ sparseCPU }

func (c recordingCPU) AddMetrics(rows int, loss, correct, metrics engine.Buffer) {
	var before, after [engine.MetricsLen]float32
	c.CopyOut(before[:], metrics)
	c.SumInto(rows, loss, metrics.Slice(engine.MetricLoss, 1))
	c.SumInto(rows, correct, metrics.Slice(engine.MetricCorrect, 1))
	c.CopyOut(after[:], metrics)
	if finite(after[engine.MetricLoss]) {
		c.Fill(metrics.Slice(engine.MetricFiniteSteps, 1), after[engine.MetricFiniteSteps]+1)
	} else if finite(before[engine.MetricLoss]) {
		c.Fill(metrics.Slice(engine.MetricFirstNonFinite, 1), after[engine.MetricLoss])
	}
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// A backend that reads the loss every 50 steps names the step where a run
// diverged as one that reads it every step does, from the record its loss
// kernels keep; the message says where the loss was read, which is where the
// weights were looked at. Without a record it names the steps it cannot
// tell apart rather than a step of its own.
func TestDivergenceIsNamedAtItsStep(t *testing.T) {
	for _, e := range enginetest.Divergence(t, cpu.New(), recordingCPU{sparseCPU{cpu.New()}}) {
		if e.ReadStep == e.Step || !strings.Contains(e.Error(), "where the loss was read") {
			t.Errorf("read at step %d: %q", e.ReadStep, e)
		}
	}
	t.Run("no record", func(t *testing.T) {
		e := enginetest.DivergeOnce(t, sparseCPU{cpu.New()})
		want := "epoch 1, between steps 1 and 50 (the loss was not read in between): training loss at step 50 is "
		if e.Step != 0 || !strings.HasPrefix(e.Error(), want) {
			t.Errorf("without a record: step %d, %q; want step 0 and %q…", e.Step, e, want)
		}
	})
}
