package cpu

import "mnistgpu/engine"

// The fused kernels the CPU has (engine.BiasActivationFuser and
// engine.PoolActivationFuser); the others the engine composes (engine/fused.go).
// Bias + activation forward and activation + bias gradient run in one pass
// over each run of rows, with the same numbers as the unfused calls, bit for
// bit (elementwise.go). The pool, activation and bias gradients run one
// block of whole samples at a time; their bias-gradient blocks are samples
// rather than BiasGrad's 512 rows, so db is summed in another (fixed) order
// than by the unfused calls.

func (be *Backend) BiasActivationForward(f engine.Activation, alpha float32, rows, cols int, z, bias, y engine.Buffer) {
	be.biasActivationForward(f, alpha, rows, cols, z, bias, y)
}

func (be *Backend) ActivationBackwardBiasGrad(f engine.Activation, alpha float32, rows, cols int, z, y, dy, dz, db engine.Buffer) {
	be.activationBackwardBiasGrad(f, alpha, rows, cols, z, y, dy, dz, db)
}

func (be *Backend) MaxPoolActivationBackwardBiasGrad(p engine.PoolParams, f engine.Activation, alpha float32, z, x, y, dy, dz, db engine.Buffer) {
	// The pool's input gradient goes into dz, which the activation's
	// gradient then overwrites element by element.
	be.maxPoolActivationBackwardBiasGrad(p, f, alpha, z, x, y, dy, dz, db)
}

var (
	_ engine.BiasActivationFuser = (*Backend)(nil)
	_ engine.PoolActivationFuser = (*Backend)(nil)
)
