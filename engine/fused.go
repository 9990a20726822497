package engine

// Fused operations are optional. A backend that has a one-pass kernel for
// one of these families implements its interface and the engine calls it;
// a backend that does not gets the composition below, written once here
// from the primitive kernels of Backend (GoMLX's backends do the same), so
// a new backend starts with the core interface alone. The functions below
// are what layers, the trainer and the conformance suite call.
//
// Step-clock kernels are the exception to "optional" for a backend that
// captures graphs (GraphCapturer): their composition reads the clock back
// to the host, which a captured step cannot do, so the trainer replays
// captured steps only on backends that implement StepClockKernels.

// BiasActivationFuser runs bias, activation and their gradients in one pass.
type BiasActivationFuser interface {
	// BiasActivationForward is BiasAdd then ActivationForward in one pass:
	// z[r,c] += bias[c]; y = f(z) over the rows×cols matrix, f element-wise
	// (not Softmax). z keeps the pre-activation for the backward pass.
	BiasActivationForward(f Activation, alpha float32, rows, cols int, z, bias, y Buffer)
	// ActivationBackwardBiasGrad is ActivationBackward then BiasGrad of its
	// result: dz = f'(z)·dy over the rows×cols matrix, given z, y = f(z) and
	// dy; db[c] = Σ_r dz[r,c].
	ActivationBackwardBiasGrad(f Activation, alpha float32, rows, cols int, z, y, dy, dz, db Buffer)
}

// PoolActivationFuser runs a max-pool's backward pass with the gradient of
// the activation and bias before it.
type PoolActivationFuser interface {
	// MaxPoolActivationBackwardBiasGrad is MaxPoolBackward followed by
	// ActivationBackwardBiasGrad of the layer whose output the pool reads:
	// the pool's input is x = f(z), a p.N·p.H·p.W × p.C matrix; with g =
	// MaxPoolBackward(p, x, y, dy), dz = f'(z)·g and db[c] = Σ_r dz[r,c]. g
	// itself is not kept.
	MaxPoolActivationBackwardBiasGrad(p PoolParams, f Activation, alpha float32, z, x, y, dy, dz, db Buffer)
}

// LossMetricsFuser computes the loss, its gradient and the epoch's running
// sums in one call.
type LossMetricsFuser interface {
	// SoftmaxCrossEntropyMetrics is SoftmaxCrossEntropy, Accuracy of probs
	// against t, and SumInto of both per-row results, in one call: probs,
	// dz and loss as SoftmaxCrossEntropy; correct as Accuracy(probs, t);
	// metrics[0] += Σ_r loss[r]; metrics[1] += Σ_r correct[r], each sum
	// added in float32 in row order as SumInto does. metrics holds
	// MetricsLen values: after the sums, the same call keeps the record of
	// the first non-finite loss sum in metrics[2] and [3] (nonfinite.go),
	// which the composition below does not.
	SoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, t, probs, dz, loss, correct, metrics Buffer)
}

// MetricsAdder adds a batch's loss and correctness to the epoch's running
// sums in one call, keeping the record of the first non-finite loss sum, for
// a loss that LossMetricsFuser does not fuse (binary cross-entropy).
type MetricsAdder interface {
	// AddMetrics is SumInto of loss into metrics[0] and of correct into
	// metrics[1], each over rows values, bit for bit, then the record in
	// metrics[2] and [3] as LossMetricsFuser keeps it.
	AddMetrics(rows int, loss, correct, metrics Buffer)
}

// BiasLossMetricsFuser adds the bias of the layer below a softmax loss and
// takes that bias's gradient in the loss's one call.
type BiasLossMetricsFuser interface {
	// BiasSoftmaxCrossEntropyMetrics is BiasAdd(rows, cols, z, bias), then
	// SoftmaxCrossEntropyMetrics on z, then BiasGrad(rows, cols, dz, db),
	// each as this backend's own kernel computes it, bit for bit: z keeps
	// the biased logits, db[c] = Σ_r dz[r,c]; metrics and its record as
	// LossMetricsFuser keeps them.
	BiasSoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, bias, t, probs, dz, loss, correct, metrics, db Buffer)
}

// BatchGatherer gathers a batch's inputs and targets in one call.
type BatchGatherer interface {
	// GatherBatch is GatherRows of a batch's inputs and of its targets with
	// the same rows: xDst[r,:] = x[idx[r],:] over rows of xCols values and
	// tDst[r,:] = t[idx[r],:] over rows of tCols values.
	GatherBatch(rows int, idx Buffer, xCols int, x, xDst Buffer, tCols int, t, tDst Buffer)
}

// StepClockKernels are the kernels of a training step whose per-step values
// (the batch's place in the pass, dropout's counter, the step count and the
// learning rate) are read from a step clock in device memory (ClockLen
// values, see ClockStep) rather than passed as arguments, so that one
// captured step (GraphCapturer) serves every step.
type StepClockKernels interface {
	// GatherBatchAt is GatherBatch of a pass's next batch, whose place it
	// reads from the clock: with first = (clock[ClockStep] -
	// clock[ClockPassStart])·batch, xDst[r,:] = x[order[first+r],:] over
	// rows of xCols values and tDst[r,:] = t[order[first+r],:] over rows of
	// tCols values, for r < rows.
	GatherBatchAt(rows, batch int, clock, order Buffer, xCols int, x, xDst Buffer, tCols int, t, tDst Buffer)
	// DropoutForwardAt is DropoutForward with offset = clock[ClockStep]·stride.
	DropoutForwardAt(n int, rate float32, seed, stride uint64, clock, x, y, mask Buffer)
	// SGDStepAt is SGDStep with lr = clock[ClockLR], then clock[ClockStep] += 1.
	SGDStepAt(n int, momentum float32, nesterov bool, clock, w, g, v Buffer)
	// AdamStepAt is AdamStep at step t = clock[ClockStep] + 1 with lrT =
	// AdamLRT(clock[ClockLR], beta1, beta2, t), bit for bit, then
	// clock[ClockStep] = t.
	AdamStepAt(n int, beta1, beta2, eps float32, clock, w, g, m, v Buffer)
}

// BiasActivationForward runs BiasActivationFuser's kernel on b, or BiasAdd
// then ActivationForward.
func BiasActivationForward(b Backend, f Activation, alpha float32, rows, cols int, z, bias, y Buffer) {
	if k, ok := b.(BiasActivationFuser); ok {
		k.BiasActivationForward(f, alpha, rows, cols, z, bias, y)
		return
	}
	b.BiasAdd(rows, cols, z, bias)
	b.ActivationForward(f, alpha, rows*cols, z, y)
}

// ActivationBackwardBiasGrad runs BiasActivationFuser's kernel on b, or
// ActivationBackward then BiasGrad.
func ActivationBackwardBiasGrad(b Backend, f Activation, alpha float32, rows, cols int, z, y, dy, dz, db Buffer) {
	if k, ok := b.(BiasActivationFuser); ok {
		k.ActivationBackwardBiasGrad(f, alpha, rows, cols, z, y, dy, dz, db)
		return
	}
	b.ActivationBackward(f, alpha, rows*cols, z, y, dy, dz)
	b.BiasGrad(rows, cols, dz, db)
}

// MaxPoolActivationBackwardBiasGrad runs PoolActivationFuser's kernel on b,
// or MaxPoolBackward into dz then ActivationBackwardBiasGrad in place.
func MaxPoolActivationBackwardBiasGrad(b Backend, p PoolParams, f Activation, alpha float32, z, x, y, dy, dz, db Buffer) {
	if k, ok := b.(PoolActivationFuser); ok {
		k.MaxPoolActivationBackwardBiasGrad(p, f, alpha, z, x, y, dy, dz, db)
		return
	}
	b.MaxPoolBackward(p, x, y, dy, dz)
	ActivationBackwardBiasGrad(b, f, alpha, p.N*p.H*p.W, p.C, z, x, dz, dz, db)
}

// SoftmaxCrossEntropyMetrics runs LossMetricsFuser's kernel on b, or its
// four parts in turn.
func SoftmaxCrossEntropyMetrics(b Backend, rows, cols int, scale float32, z, t, probs, dz, loss, correct, metrics Buffer) {
	if k, ok := b.(LossMetricsFuser); ok {
		k.SoftmaxCrossEntropyMetrics(rows, cols, scale, z, t, probs, dz, loss, correct, metrics)
		return
	}
	b.SoftmaxCrossEntropy(rows, cols, scale, z, t, probs, dz, loss)
	b.Accuracy(rows, cols, probs, t, correct)
	AddMetrics(b, rows, loss, correct, metrics)
}

// AddMetrics runs MetricsAdder's kernel on b, or SumInto twice (which keeps
// no record).
func AddMetrics(b Backend, rows int, loss, correct, metrics Buffer) {
	if k, ok := b.(MetricsAdder); ok {
		k.AddMetrics(rows, loss, correct, metrics)
		return
	}
	b.SumInto(rows, loss, metrics.Slice(MetricLoss, 1))
	b.SumInto(rows, correct, metrics.Slice(MetricCorrect, 1))
}

// GatherBatch runs BatchGatherer's kernel on b, or GatherRows twice.
func GatherBatch(b Backend, rows int, idx Buffer, xCols int, x, xDst Buffer, tCols int, t, tDst Buffer) {
	if k, ok := b.(BatchGatherer); ok {
		k.GatherBatch(rows, idx, xCols, x, xDst, tCols, t, tDst)
		return
	}
	b.GatherRows(rows, xCols, idx, x, xDst)
	b.GatherRows(rows, tCols, idx, t, tDst)
}

// readClock copies a step clock to the host (the compositions of the
// step-clock kernels; a backend that captures graphs has its own kernels).
func readClock(b Backend, clock Buffer) [ClockLen]float32 {
	var c [ClockLen]float32
	b.CopyOut(c[:], clock)
	return c
}

// GatherBatchAt runs StepClockKernels' kernel on b, or GatherBatch at the
// place read from the clock.
func GatherBatchAt(b Backend, rows, batch int, clock, order Buffer, xCols int, x, xDst Buffer, tCols int, t, tDst Buffer) {
	if k, ok := b.(StepClockKernels); ok {
		k.GatherBatchAt(rows, batch, clock, order, xCols, x, xDst, tCols, t, tDst)
		return
	}
	c := readClock(b, clock)
	first := (int(c[ClockStep]) - int(c[ClockPassStart])) * batch
	GatherBatch(b, rows, order.Slice(first, rows), xCols, x, xDst, tCols, t, tDst)
}

// DropoutForwardAt runs StepClockKernels' kernel on b, or DropoutForward at
// the clock's offset.
func DropoutForwardAt(b Backend, n int, rate float32, seed, stride uint64, clock, x, y, mask Buffer) {
	if k, ok := b.(StepClockKernels); ok {
		k.DropoutForwardAt(n, rate, seed, stride, clock, x, y, mask)
		return
	}
	b.DropoutForward(n, rate, seed, uint64(readClock(b, clock)[ClockStep])*stride, x, y, mask)
}

// SGDStepAt runs StepClockKernels' kernel on b, or SGDStep at the clock's
// rate and then advances the clock.
func SGDStepAt(b Backend, n int, momentum float32, nesterov bool, clock, w, g, v Buffer) {
	if k, ok := b.(StepClockKernels); ok {
		k.SGDStepAt(n, momentum, nesterov, clock, w, g, v)
		return
	}
	c := readClock(b, clock)
	b.SGDStep(n, c[ClockLR], momentum, nesterov, w, g, v)
	b.Fill(clock.Slice(ClockStep, 1), c[ClockStep]+1)
}

// AdamStepAt runs StepClockKernels' kernel on b, or AdamStep at the clock's
// step and rate and then advances the clock.
func AdamStepAt(b Backend, n int, beta1, beta2, eps float32, clock, w, g, m, v Buffer) {
	if k, ok := b.(StepClockKernels); ok {
		k.AdamStepAt(n, beta1, beta2, eps, clock, w, g, m, v)
		return
	}
	c := readClock(b, clock)
	t := int64(c[ClockStep]) + 1
	b.AdamStep(n, AdamLRT(c[ClockLR], beta1, beta2, t), beta1, beta2, eps, w, g, m, v)
	b.Fill(clock.Slice(ClockStep, 1), float32(t))
}

// ConvPoolFuser runs a Conv2D with bias and an element-wise activation and
// the max pool that reads its output as one forward pass, keeping only what
// the backward pass needs: per pooled value, where its maximum was and the
// pre-activation there, instead of the conv's whole output and its z.
//
// Windows are those of MaxPoolForward, read in row-major order; a window's
// maximum is its FIRST maximum in that order (ties, and a NaN that comes
// first, as MaxPoolForward). dz is then MaxPoolActivationBackwardBiasGrad's
// bit for bit, with one exception: where f'(z)·0 is not +0 at a position no
// window selects (a NaN z under Sigmoid or Tanh, or z ≤ 0 under LeakyReLU
// with a negative slope), the fused pass writes +0; the engine fuses no
// LeakyReLU with a negative slope, and a NaN z means the run has diverged.
type ConvPoolFuser interface {
	// ConvBiasActivationPoolForward: z = conv(x, w) + bias (cp), the pool's
	// input f(z) (never stored), py = MaxPool(f(z)) (pp: pp.N, H, W, C are
	// cp.N, OH, OW, K); arg[i] = the window-local index (r·pp.PW + s, as a
	// float) of window i's first maximum of f(z), -1 when the window lies
	// wholly in padding; pz[i] = z at that position (0 where arg is -1).
	// py, arg and pz are pooled-sized. It reports false, doing nothing, when
	// this backend cannot fuse these shapes (the engine then runs the layers
	// unfused).
	ConvBiasActivationPoolForward(cp ConvParams, pp PoolParams, f Activation, alpha float32, x, w, bias, py, arg, pz Buffer) bool
	// MaxPoolArgmaxActivationBackwardBiasGrad: g = the pool's input
	// gradient from dy through arg (the gather form: g[j] = Σ dy over the
	// windows whose arg points at j, windows in row-major order, summed from
	// +0), dz[j] = f'(z)·g[j] with z from pz and f(z) from py of a window
	// that points at j, dz[j] = +0 where none does; db[c] = Σ_r dz[r,c]
	// over the pool's input, pp.N·pp.H·pp.W rows of pp.C.
	MaxPoolArgmaxActivationBackwardBiasGrad(pp PoolParams, f Activation, alpha float32, arg, pz, py, dy, dz, db Buffer)
}
