package cpu

import "mnistgpu/engine"

// The fused kernels of engine.Backend are, on the CPU, the kernels they fuse
// called in turn: the same numbers as the unfused calls, bit for bit.

func (be *Backend) BiasActivationForward(f engine.Activation, alpha float32, rows, cols int, z, bias, y engine.Buffer) {
	be.BiasAdd(rows, cols, z, bias)
	be.ActivationForward(f, alpha, rows*cols, z, y)
}

func (be *Backend) ActivationBackwardBiasGrad(f engine.Activation, alpha float32, rows, cols int, z, y, dy, dz, db engine.Buffer) {
	be.ActivationBackward(f, alpha, rows*cols, z, y, dy, dz)
	be.BiasGrad(rows, cols, dz, db)
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
	be.MaxPoolBackward(p, x, y, dy, dz)
	be.ActivationBackwardBiasGrad(f, alpha, p.N*p.H*p.W, p.C, z, x, dz, dz, db)
}

func (be *Backend) GatherBatch(rows int, idx engine.Buffer, xCols int, x, xDst engine.Buffer, tCols int, t, tDst engine.Buffer) {
	be.GatherRows(rows, xCols, idx, x, xDst)
	be.GatherRows(rows, tCols, idx, t, tDst)
}
