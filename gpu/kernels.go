//go:build cuda

package gpu

import (
	"fmt"
	"io"
	"math"
	"unsafe"

	"gorgonia.org/cu"

	"mnistgpu/engine"
)

// The cuda backend has every fused kernel of the engine (engine/fused.go);
// the step-clock kernels are what lets a captured step serve every step.
var (
	_ engine.BiasActivationFuser = (*Backend)(nil)
	_ engine.PoolActivationFuser = (*Backend)(nil)
	_ engine.LossMetricsFuser    = (*Backend)(nil)
	_ engine.BatchGatherer       = (*Backend)(nil)
	_ engine.StepClockKernels    = (*Backend)(nil)
	_ io.Closer                  = (*Backend)(nil) // engine.Close releases it
)

const blockSize = 256

// maxKernelArgs bounds a kernel's parameter list
// (maxpool_argmax_activation_backward_bias_grad has 23).
const maxKernelArgs = 24

// launchArgs are the argument slots cu's Launch reads, reused by every
// launch so that a training step allocates none.
type launchArgs struct {
	slots  [maxKernelArgs]uint64
	params [maxKernelArgs]unsafe.Pointer
}

// launch runs kernel name over n work items (grid-stride loops cover any n)
// in blocks of blockSize threads.
func (b *Backend) launch(name string, n int, args ...any) {
	b.launchGrid(name, min(max((n+blockSize-1)/blockSize, 1), 65535), 1, blockSize, 1, args...)
}

// launchGrid runs kernel name on a gx×gy grid of bx×by-thread blocks. Each
// argument goes into its own 8-byte slot, which is what cu's Launch copies;
// a 4-byte parameter reads the slot's low half (little-endian).
func (b *Backend) launchGrid(name string, gx, gy, bx, by int, args ...any) {
	fn, ok := b.functions[name]
	if !ok {
		panic(fmt.Sprintf("gpu: no kernel %q in the loaded PTX", name))
	}
	if len(args) > maxKernelArgs {
		panic(fmt.Sprintf("gpu: %s has %d arguments, more than %d", name, len(args), maxKernelArgs))
	}
	slots, params := &b.args.slots, b.args.params[:len(args)]
	for i, a := range args {
		switch v := a.(type) {
		case int:
			if v < math.MinInt32 || v > math.MaxInt32 {
				panic(fmt.Sprintf("gpu: %s argument %d = %d does not fit an int", name, i, v))
			}
			slots[i] = uint64(uint32(int32(v)))
		case bool:
			slots[i] = 0
			if v {
				slots[i] = 1
			}
		case float32:
			slots[i] = uint64(math.Float32bits(v))
		case uint64:
			slots[i] = v
		case engine.Buffer:
			slots[i] = uint64(ptr(v))
		case cu.DevicePtr:
			slots[i] = uint64(v)
		default:
			panic(fmt.Sprintf("gpu: %s argument %d has unsupported type %T", name, i, a))
		}
		params[i] = unsafe.Pointer(&slots[i])
	}
	defer b.enter()()
	b.counts.Kernels++
	must(name, fn.Launch(gx, gy, 1, bx, by, 1, 0, b.stream, params))
}

func (b *Backend) BiasAdd(rows, cols int, y, bias engine.Buffer) {
	b.launch("bias_add", rows*cols, rows, cols, y, bias)
}

// biasChunk rows of a column strip are summed by one block of bias_grad;
// poolChunk by one of the pooling layer's fused backward kernel, whose
// rows cost more (each finds its window's maximum), so that it runs more
// blocks: the first pooling layer of the report's CNN at batch 64 has 50,176
// rows of 32 channels, 196 blocks of 256 rows, too few to keep a large GPU
// busy.
const (
	biasChunk = 256
	poolChunk = 64
)

func (b *Backend) BiasGrad(rows, cols int, dy, db engine.Buffer) {
	if s, ok := b.columnSums(rows, cols, biasChunk, db); ok {
		b.launchGrid("bias_grad", s.gx, s.gy, 32, 8, rows, cols, s.chunk, dy, s.part, s.done, db)
	}
}

func (b *Backend) ActivationBackwardBiasGrad(f engine.Activation, alpha float32, rows, cols int, z, y, dy, dz, db engine.Buffer) {
	elementwise(f, "ActivationBackwardBiasGrad")
	if s, ok := b.columnSums(rows, cols, biasChunk, db); ok {
		b.launchGrid("activation_backward_bias_grad", s.gx, s.gy, 32, 8, int(f), alpha, rows, cols, s.chunk, z, y, dy, dz,
			s.part, s.done, db)
	}
}

// sumsLaunch is the grid and scratch of a kernel built on column_sums
// (kernels/elementwise.cu).
type sumsLaunch struct {
	gx, gy, chunk int
	part          engine.Buffer
	done          cu.DevicePtr
}

// columnSums plans a column_sums kernel over a rows×cols matrix, chunk rows
// per block; with no rows it zeroes db itself and reports false.
func (b *Backend) columnSums(rows, cols, chunk int, db engine.Buffer) (sumsLaunch, bool) {
	if rows == 0 || cols == 0 {
		if cols > 0 {
			b.Fill(db.Slice(0, cols), 0)
		}
		return sumsLaunch{}, false
	}
	defer b.enter()()
	s := sumsLaunch{chunk: max(chunk, (rows+65534)/65535), gx: (cols + 31) / 32}
	s.gy = (rows + s.chunk - 1) / s.chunk
	s.part = b.partial.buffer(s.gy * cols)
	s.done = b.biasDone(s.gx)
	return s, true
}

// biasDone returns n zeroed completion counters for the kernels that end
// with the last-block pattern (bias_grad and its kin, the own backward
// filter); each launch leaves them zero again, so they can share them.
func (b *Backend) biasDone(n int) cu.DevicePtr {
	if int64(4*n) > b.done.bytes {
		p := b.done.get(int64(4 * n))
		b.counts.Copies++
		must("cuMemsetD32Async", cu.MemsetD32Async(p, 0, int64(n), b.stream))
	}
	return b.done.ptr
}

func (b *Backend) MaxPoolForward(p engine.PoolParams, x, y engine.Buffer) {
	b.launch("maxpool_forward", p.N*p.OH*p.OW*p.C, p.N, p.H, p.W, p.C, p.PH, p.PW, p.SH, p.SW,
		p.PadTop, p.PadLeft, p.OH, p.OW, x, y)
}

func (b *Backend) MaxPoolBackward(p engine.PoolParams, x, y, dy, dx engine.Buffer) {
	b.launch("maxpool_backward", p.N*p.H*p.W*p.C, p.N, p.H, p.W, p.C, p.PH, p.PW, p.SH, p.SW,
		p.PadTop, p.PadLeft, p.OH, p.OW, x, dy, dx)
}

func (b *Backend) MaxPoolActivationBackwardBiasGrad(p engine.PoolParams, f engine.Activation, alpha float32, z, x, y, dy, dz, db engine.Buffer) {
	elementwise(f, "MaxPoolActivationBackwardBiasGrad")
	if s, ok := b.columnSums(p.N*p.H*p.W, p.C, poolChunk, db); ok {
		b.launchGrid("maxpool_activation_backward_bias_grad", s.gx, s.gy, 32, 8, p.N, p.H, p.W, p.C, p.PH, p.PW, p.SH, p.SW,
			p.PadTop, p.PadLeft, p.OH, p.OW, int(f), alpha, s.chunk, z, x, dy, dz, s.part, s.done, db)
	}
}

func elementwise(f engine.Activation, op string) {
	if f > engine.Tanh || f < engine.Linear {
		panic(fmt.Sprintf("gpu: %s(%v) is not element-wise", op, f))
	}
}

func (b *Backend) ActivationForward(f engine.Activation, alpha float32, n int, x, y engine.Buffer) {
	elementwise(f, "ActivationForward")
	b.launch("activation_forward", n, int(f), alpha, n, x, y)
}

func (b *Backend) BiasActivationForward(f engine.Activation, alpha float32, rows, cols int, z, bias, y engine.Buffer) {
	elementwise(f, "BiasActivationForward")
	b.launch("bias_activation_forward", rows*cols, int(f), alpha, rows, cols, z, bias, y)
}

func (b *Backend) ActivationBackward(f engine.Activation, alpha float32, n int, x, y, dy, dx engine.Buffer) {
	elementwise(f, "ActivationBackward")
	b.launch("activation_backward", n, int(f), alpha, n, x, y, dy, dx)
}

func (b *Backend) SoftmaxForward(rows, cols int, x, y engine.Buffer) {
	b.launch("softmax_forward", rows, rows, cols, x, y)
}

func (b *Backend) SoftmaxBackward(rows, cols int, y, dy, dx engine.Buffer) {
	b.launch("softmax_backward", rows, rows, cols, y, dy, dx)
}

func (b *Backend) SoftmaxCrossEntropy(rows, cols int, scale float32, z, t, probs, dz, loss engine.Buffer) {
	b.launch("softmax_cross_entropy", rows, rows, cols, scale, z, t, probs, dz, loss)
}

// metricsBlock threads of one block run softmax_cross_entropy_metrics.
const metricsBlock = 256

func (b *Backend) SoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, t, probs, dz, loss, correct, metrics engine.Buffer) {
	b.launchGrid("softmax_cross_entropy_metrics", 1, 1, metricsBlock, 1, rows, cols, scale, z, t, probs, dz, loss, correct, metrics)
}

var _ engine.BiasLossMetricsFuser = (*Backend)(nil)

// BiasSoftmaxCrossEntropyMetrics takes the bias gradient in bias_grad's
// order (biasChunk rows per block), so db is BiasGrad's.
func (b *Backend) BiasSoftmaxCrossEntropyMetrics(rows, cols int, scale float32, z, bias, t, probs, dz, loss, correct, metrics, db engine.Buffer) {
	b.launchGrid("bias_softmax_cross_entropy_metrics", 1, 1, metricsBlock, 1, rows, cols, scale, max(biasChunk, (rows+65534)/65535),
		z, bias, t, probs, dz, loss, correct, metrics, db)
}

func (b *Backend) BinaryCrossEntropy(rows, cols int, scale float32, p, t, dp, loss engine.Buffer) {
	b.launch("binary_cross_entropy", rows, rows, cols, scale, p, t, dp, loss)
}

func (b *Backend) Accuracy(rows, cols int, p, t, correct engine.Buffer) {
	b.launch("accuracy", rows, rows, cols, p, t, correct)
}

func (b *Backend) SumInto(n int, x, acc engine.Buffer) { b.launch("sum_into", 1, n, x, acc) }

var _ engine.MetricsAdder = (*Backend)(nil)

// AddMetrics is one launch where SumInto twice would be two.
func (b *Backend) AddMetrics(rows int, loss, correct, metrics engine.Buffer) {
	b.launch("add_metrics_into", 1, rows, loss, correct, metrics)
}

func (b *Backend) DropoutForward(n int, rate float32, seed, offset uint64, x, y, mask engine.Buffer) {
	b.launch("dropout_forward", n, n, rate, seed, offset, x, y, mask)
}

func (b *Backend) GatherRows(rows, cols int, idx, src, dst engine.Buffer) {
	b.launch("gather_rows", rows*cols, rows, cols, idx, src, dst)
}

func (b *Backend) GatherBatch(rows int, idx engine.Buffer, xCols int, x, xDst engine.Buffer, tCols int, t, tDst engine.Buffer) {
	b.launch("gather_batch", rows*(xCols+tCols), rows, xCols, tCols, idx, x, xDst, t, tDst)
}

func (b *Backend) Mul(n int, x, y, z engine.Buffer) { b.launch("mul", n, n, x, y, z) }

func (b *Backend) SGDStep(n int, lr, momentum float32, nesterov bool, w, g, v engine.Buffer) {
	vp := v
	if vp == nil {
		vp = w // unused with momentum 0; any valid pointer
	}
	b.launch("sgd_step", n, n, lr, momentum, nesterov, w, g, vp)
}

func (b *Backend) AdamStep(n int, lrT, beta1, beta2, eps float32, w, g, m, v engine.Buffer) {
	b.launch("adam_step", n, n, lrT, beta1, beta2, eps, w, g, m, v)
}

func (b *Backend) RMSpropStep(n int, lr, rho, eps float32, w, g, ms engine.Buffer) {
	b.launch("rmsprop_step", n, n, lr, rho, eps, w, g, ms)
}

func (b *Backend) AdagradStep(n int, lr, eps float32, w, g, acc engine.Buffer) {
	b.launch("adagrad_step", n, n, lr, eps, w, g, acc)
}

func (b *Backend) WeightDecay(n int, rate float32, w engine.Buffer) {
	b.launch("weight_decay", n, n, rate, w)
}

// The step-clock kernels (engine.ClockStep). The optimizers' count the
// finished blocks in the clock's ClockDevice value.

func (b *Backend) GatherBatchAt(rows, batch int, clock, order engine.Buffer, xCols int, x, xDst engine.Buffer, tCols int, t, tDst engine.Buffer) {
	b.launch("gather_batch_at", rows*(xCols+tCols), rows, batch, xCols, tCols, clock, order, x, xDst, t, tDst)
}

func (b *Backend) DropoutForwardAt(n int, rate float32, seed, stride uint64, clock, x, y, mask engine.Buffer) {
	b.launch("dropout_forward_at", n, n, rate, seed, stride, clock, x, y, mask)
}

func (b *Backend) SGDStepAt(n int, momentum float32, nesterov bool, clock, w, g, v engine.Buffer) {
	vp := v
	if vp == nil {
		vp = w // unused with momentum 0; any valid pointer
	}
	b.launch("sgd_step_at", n, n, momentum, nesterov, clock, w, g, vp)
}

func (b *Backend) AdamStepAt(n int, beta1, beta2, eps float32, clock, w, g, m, v engine.Buffer) {
	b.launch("adam_step_at", n, n, beta1, beta2, eps, clock, w, g, m, v)
}
