package engine

import (
	"fmt"
	"math"
)

// The metrics buffer (MetricsLen values) holds an epoch's running sums and,
// so that a backend which reads the loss only every Traits.LossReadEvery
// steps still names the step where it stopped being finite, a record of
// that step kept by the kernel that adds the sums (LossMetricsFuser,
// BiasLossMetricsFuser, MetricsAdder) in the same launch:
//
//	metrics[MetricLoss]           Σ loss
//	metrics[MetricCorrect]        Σ correct
//	metrics[MetricFiniteSteps]    += 1 when Σ loss is finite after the add
//	metrics[MetricFirstNonFinite] = Σ loss after the add, when that add made
//	                                it non-finite (finite before, not after)
//
// A loss is never negative, so once Σ loss is NaN or infinite it stays so:
// the finite steps are the steps before the first non-finite one, and the
// first non-finite step of an epoch is MetricFiniteSteps + 1. The count is a
// float32, exact below 2²⁴ steps in an epoch (a larger count is not used).
// The composition (fused.go) on a backend without a MetricsAdder adds the
// sums only: a model whose loss runs it keeps no record (Model.tracksFinite),
// and a divergence between two reads is named by the steps between them.
const (
	MetricLoss = iota
	MetricCorrect
	MetricFiniteSteps
	MetricFirstNonFinite
	MetricsLen
)

// NonFiniteError reports a NaN or infinite loss: where it appeared and the
// first layer whose weights are no longer finite ("" if all still are).
type NonFiniteError struct {
	// Epoch is 1-based; Step (1-based within it) is the first step whose
	// running loss was not finite, or 0 when the backend kept no record of
	// it: then it is one of LastFinite+1 … ReadStep.
	Epoch, Step int
	// Loss is the epoch's running loss sum after Step (after ReadStep when
	// Step is 0).
	Loss float64
	// ReadStep is the step after which the loss was read and Layer looked
	// for: Step on a backend that reads the loss every step, up to
	// Traits.LossReadEvery-1 steps later on one that does not.
	ReadStep int
	// LastFinite is the last step of the epoch whose loss was read finite
	// (the resumed step, or 0).
	LastFinite int
	Layer      string
}

func (e *NonFiniteError) Error() string {
	where := "every weight is still finite (the forward pass overflowed)"
	if e.Layer != "" {
		where = "the first non-finite weights are in " + e.Layer
	}
	switch {
	case e.Step == 0:
		return fmt.Sprintf("epoch %d, between steps %d and %d (the loss was not read in between): training loss at step %d is %v; %s; stopping (lower the learning rate)",
			e.Epoch, e.LastFinite+1, e.ReadStep, e.ReadStep, e.Loss, where)
	case e.ReadStep > e.Step:
		return fmt.Sprintf("epoch %d, step %d: training loss is %v; at step %d, where the loss was read, %s; stopping (lower the learning rate)",
			e.Epoch, e.Step, e.Loss, e.ReadStep, where)
	}
	return fmt.Sprintf("epoch %d, step %d: training loss is %v; %s; stopping (lower the learning rate)", e.Epoch, e.Step, e.Loss, where)
}

// readMetrics copies the whole metrics buffer to the host in one copy
// (synchronises).
func (m *Model) readMetrics() [MetricsLen]float32 {
	var v [MetricsLen]float32
	m.be.CopyOut(v[:], m.metrics)
	return v
}

// resumeMetrics sets the metrics to an epoch's running sums after `step`
// finite steps (a resume within the epoch), in one copy.
func (m *Model) resumeMetrics(sums []float32, step int) {
	m.be.CopyIn(m.metrics, []float32{sums[MetricLoss], sums[MetricCorrect], float32(step), 0})
}

// checkLoss reads the metrics after `read` steps of epoch (0-based) and
// returns them, with a *NonFiniteError when the running loss is no longer
// finite: the step the backend recorded, or read itself when the step
// before it was read finite, or else the range since the last finite read.
func (r *fitRun) checkLoss(epoch, read int) ([MetricsLen]float32, error) {
	v := r.m.readMetrics()
	loss := float64(v[MetricLoss])
	if !math.IsNaN(loss) && !math.IsInf(loss, 0) {
		r.lastFinite = read
		return v, nil
	}
	e := &NonFiniteError{Epoch: epoch + 1, Step: read, Loss: loss, ReadStep: read, LastFinite: r.lastFinite, Layer: r.m.NonFiniteLayer()}
	if read > r.lastFinite+1 {
		e.Step = 0
		if n := v[MetricFiniteSteps]; r.m.tracksFinite && n < 1<<24 && int(n) >= r.lastFinite && int(n) < read {
			e.Step, e.Loss = int(n)+1, float64(v[MetricFirstNonFinite])
		}
	}
	return v, e
}
