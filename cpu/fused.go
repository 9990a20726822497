package cpu

import "mnistgpu/engine"

// The fused kernels of engine.Backend. Bias + activation forward and
// activation + bias gradient run in one pass over each run of rows, with the
// same numbers as the unfused calls, bit for bit (elementwise.go). The pool,
// activation and bias gradients run one block of whole samples at a time;
// their bias-gradient blocks are samples rather than BiasGrad's 512 rows, so
// db is summed in another (fixed) order than by the unfused calls. The
// remaining ones are the kernels they fuse called in turn.

func (be *Backend) BiasActivationForward(f engine.Activation, alpha float32, rows, cols int, z, bias, y engine.Buffer) {
	be.biasActivationForward(f, alpha, rows, cols, z, bias, y)
}

func (be *Backend) ActivationBackwardBiasGrad(f engine.Activation, alpha float32, rows, cols int, z, y, dy, dz, db engine.Buffer) {
	be.activationBackwardBiasGrad(f, alpha, rows, cols, z, y, dy, dz, db)
}

func (be *Backend) SoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, t, probs, dz, loss, correct, metrics engine.Buffer) {
	be.SoftmaxCrossEntropy(rows, cols, scale, z, t, probs, dz, loss)
	be.Accuracy(rows, cols, probs, t, correct)
	be.SumInto(rows, loss, metrics.Slice(0, 1))
	be.SumInto(rows, correct, metrics.Slice(1, 1))
}

func (be *Backend) MaxPoolActivationBackwardBiasGrad(p engine.PoolParams, f engine.Activation, alpha float32, z, x, y, dy, dz, db engine.Buffer) {
	// The pool's input gradient goes into dz, which the activation's
	// gradient then overwrites element by element.
	be.maxPoolActivationBackwardBiasGrad(p, f, alpha, z, x, y, dy, dz, db)
}

func (be *Backend) GatherBatch(rows int, idx engine.Buffer, xCols int, x, xDst engine.Buffer, tCols int, t, tDst engine.Buffer) {
	be.GatherRows(rows, xCols, idx, x, xDst)
	be.GatherRows(rows, tCols, idx, t, tDst)
}
