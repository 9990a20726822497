// Package engine is the device-blind core of mnistgpu: the Backend contract,
// layers, models, losses, optimizers, the trainer and its callbacks.
//
// Layout. Activations are NHWC (batch, height, width, channels), row-major,
// float32, exactly as Keras channels-last, so Flatten needs no permutation.
// Convolution filters are stored KRSC (out, kh, kw, in), which is cuDNN's
// filter layout for NHWC tensors and the transposed-B operand of the CPU's
// im2col GEMM. Dense kernels are (in, out) as in Keras. Weight files always use
// Keras layout; see Model.SaveWeights.
package engine

import (
	"errors"
	"fmt"
	"io"
)

// Buffer is a region of device memory holding float32 values. A Buffer from
// Slice shares memory with its parent.
type Buffer interface {
	// Len is the number of float32 elements.
	Len() int
	// Slice returns elements [off, off+n) as a Buffer that aliases this one.
	Slice(off, n int) Buffer
}

// Activation names an element-wise activation function.
type Activation int

const (
	Linear Activation = iota
	ReLU
	LeakyReLU
	Sigmoid
	Tanh
	Softmax // row-wise; only via SoftmaxForward/SoftmaxBackward
)

var activationNames = map[Activation]string{
	Linear: "linear", ReLU: "relu", LeakyReLU: "leaky_relu",
	Sigmoid: "sigmoid", Tanh: "tanh", Softmax: "softmax",
}

func (a Activation) String() string {
	if s, ok := activationNames[a]; ok {
		return s
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation maps a Keras activation name to an Activation.
func ParseActivation(s string) (Activation, error) {
	if s == "" || s == "None" {
		return Linear, nil
	}
	for a, n := range activationNames {
		if n == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (want linear, relu, leaky_relu, sigmoid, tanh or softmax)", s)
}

// Backend runs every kernel the trainer needs on one device. All kernels are
// asynchronous with respect to the host on devices that can be; CopyOut and
// Synchronize wait. Kernels overwrite their outputs unless the doc says "+=".
// A Backend is used from one goroutine at a time. These are the primitive
// kernels every backend implements; fused kernels are optional capabilities
// that the engine asks for and composes from these where a backend lacks
// them (fused.go).
type Backend interface {
	// Name is the device name as the user selects it ("cpu", "cuda").
	Name() string
	// Describe says what hardware and libraries the backend runs on.
	Describe() string
	// Traits say how the trainer should drive this backend.
	Traits() Traits

	Alloc(n int) (Buffer, error)
	Free(b Buffer)
	CopyIn(dst Buffer, src []float32)
	CopyOut(dst []float32, src Buffer)
	Copy(dst, src Buffer)
	Fill(dst Buffer, v float32)
	Synchronize() error

	// Gemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices,
	// op(A) m×k, op(B) k×n, C m×n; op(X) = Xᵀ when the trans flag is set.
	// lda, ldb, ldc are the row strides of the stored A, B and C.
	Gemm(transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int,
		b Buffer, ldb int, beta float32, c Buffer, ldc int)

	// Conv2DForward: y[n,oh,ow,k] = Σ_{r,s,c} x[n,oh*SH+r-PadTop,ow*SW+s-PadLeft,c]·w[k,r,s,c]
	// (cross-correlation, zero padding). x NHWC, w KRSC, y NHWC.
	Conv2DForward(p ConvParams, x, w, y Buffer)
	// Conv2DBackwardData: dx = ∂(Σ y·dy)/∂x.
	Conv2DBackwardData(p ConvParams, dy, w, dx Buffer)
	// Conv2DBackwardFilter: dw = ∂(Σ y·dy)/∂w.
	Conv2DBackwardFilter(p ConvParams, x, dy, dw Buffer)

	// BiasAdd: y[r,c] += bias[c] for a rows×cols matrix.
	BiasAdd(rows, cols int, y, bias Buffer)
	// BiasGrad: db[c] = Σ_r dy[r,c].
	BiasGrad(rows, cols int, dy, db Buffer)

	// MaxPoolForward: y = max over each window (padding never wins).
	MaxPoolForward(p PoolParams, x, y Buffer)
	// MaxPoolBackward routes dy to the first maximal element (row-major
	// window order) of each window: dx = Σ over windows.
	MaxPoolBackward(p PoolParams, x, y, dy, dx Buffer)

	// ActivationForward: y = f(x) element-wise over n values. alpha is the
	// LeakyReLU negative slope.
	ActivationForward(f Activation, alpha float32, n int, x, y Buffer)
	// ActivationBackward: dx = f'(x)·dy, given x, y = f(x) and dy.
	ActivationBackward(f Activation, alpha float32, n int, x, y, dy, dx Buffer)
	// SoftmaxForward: y[r,:] = softmax(x[r,:]).
	SoftmaxForward(rows, cols int, x, y Buffer)
	// SoftmaxBackward: dx[r,j] = y[r,j]·(dy[r,j] - Σ_i y[r,i]·dy[r,i]).
	SoftmaxBackward(rows, cols int, y, dy, dx Buffer)

	// SoftmaxCrossEntropy fuses softmax and categorical cross-entropy on
	// logits z and one-hot (or soft) targets t:
	// probs = softmax(z); loss[r] = logΣexp(z[r]) - Σ_j t[r,j]·z[r,j];
	// dz = scale·(probs - t) (scale is 1/batch for a batch-mean loss).
	SoftmaxCrossEntropy(rows, cols int, scale float32, z, t, probs, dz, loss Buffer)
	// BinaryCrossEntropy on probabilities p clipped to [ε, 1-ε], ε = 1e-7:
	// loss[r] = mean_j -(t·log p + (1-t)·log(1-p));
	// dp = scale/cols·(p-t)/(p(1-p)) inside the clip range, 0 outside.
	BinaryCrossEntropy(rows, cols int, scale float32, p, t, dp, loss Buffer)
	// Accuracy: correct[r] = 1 if argmax p[r] == argmax t[r] (first maximum), else 0.
	Accuracy(rows, cols int, p, t, correct Buffer)
	// SumInto: acc[0] += Σ_i x[i] over n values.
	SumInto(n int, x, acc Buffer)

	// DropoutForward: mask[i] = 1/(1-rate) if Uniform(seed, offset+i) >= rate
	// else 0; y = x·mask.
	DropoutForward(n int, rate float32, seed, offset uint64, x, y, mask Buffer)
	// GatherRows: dst[r,:] = src[idx[r],:] for r < rows, over rows of cols
	// values; idx holds row numbers as float32 (exact below 2²⁴). Batches are
	// gathered this way from a data set resident on the device.
	GatherRows(rows, cols int, idx, src, dst Buffer)

	// Mul: z = x·y element-wise (dropout backward is Mul(dy, mask)).
	Mul(n int, x, y, z Buffer)

	// SGDStep (Keras form): v = momentum·v - lr·g; w += v, or with Nesterov
	// w += momentum·v - lr·g. With momentum 0, w -= lr·g and v is unused.
	SGDStep(n int, lr, momentum float32, nesterov bool, w, g, v Buffer)
	// AdamStep (Keras 2 form): m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
	// w -= lrT·m/(√v + eps), with lrT = lr·√(1-β2ᵗ)/(1-β1ᵗ) computed by the caller.
	AdamStep(n int, lrT, beta1, beta2, eps float32, w, g, m, v Buffer)
	// RMSpropStep (Keras form, no momentum): ms = ρ·ms + (1-ρ)·g²;
	// w -= lr·g/(√ms + eps).
	RMSpropStep(n int, lr, rho, eps float32, w, g, ms Buffer)
	// AdagradStep (Keras form): acc += g²; w -= lr·g/(√acc + eps).
	AdagradStep(n int, lr, eps float32, w, g, acc Buffer)
	// WeightDecay: w -= w·rate (AdamW's decoupled decay, rate = lr·decay).
	WeightDecay(n int, rate float32, w Buffer)
}

// A step clock is a device buffer of ClockLen float32 values (the step
// counts are integers, exact below MaxClockSteps) that the step-clock kernels
// (GatherBatchAt, DropoutForwardAt, SGDStepAt, AdamStepAt) read instead of
// per-step arguments. The optimizer's kernel advances ClockStep; the host
// writes the others (Fill on a one-value slice: no wait) when they change.
const (
	// ClockStep: optimizer steps taken before the current one (the model's
	// Steps, which is Adam's t - 1); dropout's counters start at
	// ClockStep·stride.
	ClockStep = iota
	// ClockLR: the learning rate, as the float32 the host would pass.
	ClockLR
	// ClockPassStart: ClockStep at the first step of the current pass; the
	// current batch is number ClockStep - ClockPassStart of the pass.
	ClockPassStart
	// ClockDevice is the backend's: zero when the clock is made, never
	// written by the host afterwards (cuda counts the finished blocks of an
	// optimizer kernel there, and leaves it zero).
	ClockDevice
	// ClockLen is the number of values in a step clock.
	ClockLen
)

// MaxClockSteps bounds the steps a step clock counts: float32 holds every
// integer below 2²⁴ exactly.
const MaxClockSteps = 1 << 24

// GraphCapturer is implemented by backends that can record a step's device
// work once and replay it (cuda: a CUDA graph); the trainer asks for it with
// a type assertion and then replays one captured step per batch shape.
type GraphCapturer interface {
	// Capture records the device work fn queues, without running it. fn
	// must not wait for the device or allocate (run the same work once
	// eagerly first: plans, scratch and optimizer slots are made then).
	// Every scalar argument and buffer address is fixed in the graph.
	Capture(fn func()) (Graph, error)
}

// Graph is device work recorded by GraphCapturer.Capture.
type Graph interface {
	// Launch queues the recorded work once. It fails with ErrStaleGraph
	// when a buffer the work uses has moved since the capture (the
	// backend grew a scratch buffer): capture again.
	Launch() error
	// Free releases the graph.
	Free()
}

// ErrStaleGraph: see Graph.Launch.
var ErrStaleGraph = errors.New("graph uses a scratch buffer that has moved since its capture")

// Options are a backend's settings, given when it is made. The CLI binds
// them from flags; a backend never reads them from the environment.
type Options struct {
	// TF32 allows TensorFloat-32 maths (cuda); off is parity mode: fp32
	// and deterministic algorithms.
	TF32 bool `json:"tf32"`
	// DeviceIndex selects the GPU of a machine with several (cuda).
	DeviceIndex int `json:"device_index"`
	// Threads is the number of worker threads a CPU backend uses
	// (0: GOMAXPROCS). Results do not depend on it.
	Threads int `json:"threads"`
}

// Traits are what a backend says about itself, so that callers ask instead
// of guessing from its name.
type Traits struct {
	// Simulated: a stand-in of a device (gpu/cudasim) whose wall time is no
	// figure of anything; timings are not printed or recorded.
	Simulated bool
	// ResidentData: upload the data sets once and gather batches on the
	// device (GatherRows) rather than copying every batch from the host.
	ResidentData bool
	// LossReadEvery is how often, in steps, the trainer reads the loss to
	// stop on NaN or Inf; each read waits for the device (0 or 1: every step).
	LossReadEvery int
	// HostThreads: the kernels run on the host's cores, so Options.Threads
	// applies and backends opened side by side share the cores.
	HostThreads bool
}

// Counts are a device backend's running totals of the work it queued, for
// telling how many launches and waits a training step costs (bench prints
// their per-step differences). A count is a number of calls made by the
// backend, so it is exact on the CPU stand-in of the GPU as on a GPU.
type Counts struct {
	// Kernels: kernels launched, inside a CUDA graph or not: the backend's
	// own kernels plus one for each cuBLAS or cuDNN call (a library call may
	// run more than one kernel on a GPU; a profiler shows those).
	Kernels int64 `json:"kernels"`
	// LibraryCalls: of Kernels, the cuBLAS and cuDNN calls.
	LibraryCalls int64 `json:"library_calls"`
	// Copies: device-to-device copies and fills (copy and memset work, not
	// kernels).
	Copies int64 `json:"copies"`
	// GraphLaunches: CUDA graph launches.
	GraphLaunches int64 `json:"graph_launches"`
	// HostSyncs: calls that make the host wait for the device: copies
	// between host and device (a copy from pageable host memory waits too),
	// Synchronize, and freeing device memory.
	HostSyncs int64 `json:"host_syncs"`
}

// Sub returns c - d, field by field: the work done between two readings.
func (c Counts) Sub(d Counts) Counts {
	return Counts{Kernels: c.Kernels - d.Kernels, LibraryCalls: c.LibraryCalls - d.LibraryCalls,
		Copies: c.Copies - d.Copies, GraphLaunches: c.GraphLaunches - d.GraphLaunches,
		HostSyncs: c.HostSyncs - d.HostSyncs}
}

// Counters is implemented by backends that count their device work (cuda);
// callers ask for it with a type assertion:
//
//	if c, ok := be.(engine.Counters); ok { before := c.Counts(); ...; per := c.Counts().Sub(before) }
type Counters interface {
	// Counts returns the totals since the backend was made.
	Counts() Counts
}

// Close releases what backend b opened (threads, library handles, streams,
// modules, its hold on the device) when it holds any: a backend that does
// implements io.Closer (cpu, cuda), one that holds nothing need not.
// Buffers it allocated are the caller's to Free first; nothing may be
// called after Close but Close, which then does nothing. Whoever opens a
// backend closes it.
func Close(b Backend) error {
	if c, ok := b.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Factory makes a Backend with the given options; it fails when the device
// is absent or an option does not apply to it.
type Factory func(Options) (Backend, error)

// CheckGemm validates Gemm's arguments for a backend (named in the message)
// given the stored lengths of A, B and C: misuse panics with the offending
// value, as gonum's BLAS does.
func CheckGemm(backend string, transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("%s: Gemm with negative size m=%d n=%d k=%d", backend, m, n, k))
	case lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1):
		panic(fmt.Sprintf("%s: Gemm leading dimension too small: lda=%d (≥%d) ldb=%d (≥%d) ldc=%d (≥%d)", backend, lda, ac, ldb, bc, ldc, n))
	case ar > 0 && ac > 0 && lenA < (ar-1)*lda+ac:
		panic(fmt.Sprintf("%s: Gemm A has %d elements, needs %d", backend, lenA, (ar-1)*lda+ac))
	case br > 0 && bc > 0 && lenB < (br-1)*ldb+bc:
		panic(fmt.Sprintf("%s: Gemm B has %d elements, needs %d", backend, lenB, (br-1)*ldb+bc))
	case m > 0 && n > 0 && lenC < (m-1)*ldc+n:
		panic(fmt.Sprintf("%s: Gemm C has %d elements, needs %d", backend, lenC, (m-1)*ldc+n))
	}
}
