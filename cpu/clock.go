package cpu

import "mnistgpu/engine"

// The step-clock kernels of engine.Backend: the kernels they extend, with
// the per-step values read from the clock (host memory here).

func (be *Backend) GatherBatchAt(rows, batch int, clock, order engine.Buffer, xCols int, x, xDst engine.Buffer, tCols int, t, tDst engine.Buffer) {
	c := data(clock)
	first := (int(c[engine.ClockStep]) - int(c[engine.ClockPassStart])) * batch
	be.GatherBatch(rows, order.Slice(first, rows), xCols, x, xDst, tCols, t, tDst)
}

func (be *Backend) DropoutForwardAt(n int, rate float32, seed, stride uint64, clock, x, y, mask engine.Buffer) {
	be.DropoutForward(n, rate, seed, uint64(data(clock)[engine.ClockStep])*stride, x, y, mask)
}

func (be *Backend) SGDStepAt(n int, momentum float32, nesterov bool, clock, w, g, v engine.Buffer) {
	c := data(clock)
	be.SGDStep(n, c[engine.ClockLR], momentum, nesterov, w, g, v)
	c[engine.ClockStep]++
}

func (be *Backend) AdamStepAt(n int, beta1, beta2, eps float32, clock, w, g, m, v engine.Buffer) {
	c := data(clock)
	t := int64(c[engine.ClockStep]) + 1
	be.AdamStep(n, engine.AdamLRT(c[engine.ClockLR], beta1, beta2, t), beta1, beta2, eps, w, g, m, v)
	c[engine.ClockStep] = float32(t)
}
