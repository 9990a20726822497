// Package cpu is the reference Backend in Go: the laptop path and the oracle
// every other backend is compared with. Each Backend owns a pool of worker
// goroutines (Options.Threads, or GOMAXPROCS) that its kernels share work
// with; small work stays on the calling goroutine. Work is cut into items
// whose boundaries depend on the shapes only, each output element is computed
// inside one item, and partial sums (weight and bias gradients) are added in
// item order, so the results are the same, bit for bit, for any number of
// threads. A training step allocates nothing once the scratch buffers have
// grown to the model's sizes.
package cpu

import (
	"fmt"
	"runtime"

	"mnistgpu/engine"
)

func init() {
	// cpu is always present, and what "auto" falls back to (rank 0).
	engine.Register(engine.DeviceKind{Name: "cpu", Traits: traits,
		New: func(opt engine.Options) (engine.Backend, error) { return NewWithOptions(opt) }})
}

// buffer is host memory; Slice aliases it.
type buffer struct {
	d []float32
	// views are recent results of Slice, handed out again for the same
	// range: the engine slices the same ranges at every step, and a step
	// should allocate nothing. A view has no identity beyond its range.
	views [4]*buffer
	off   int // of a view, in its parent
	next  int // views slot to replace
}

func (b *buffer) Len() int { return len(b.d) }

func (b *buffer) Slice(off, n int) engine.Buffer {
	if off < 0 || n < 0 || off+n > len(b.d) {
		panic(fmt.Sprintf("cpu: Slice(%d, %d) out of range of a %d-element buffer", off, n, len(b.d)))
	}
	for _, v := range b.views {
		if v != nil && v.off == off && len(v.d) == n {
			return v
		}
	}
	v := &buffer{d: b.d[off : off+n : off+n], off: off}
	b.views[b.next] = v
	b.next = (b.next + 1) % len(b.views)
	return v
}

// Wrap exposes a Go slice as a Buffer of this backend (no copy).
func Wrap(d []float32) engine.Buffer { return &buffer{d: d} }

// data returns the slice behind a Buffer made by this backend.
func data(b engine.Buffer) []float32 {
	if b == nil {
		return nil
	}
	cb, ok := b.(*buffer)
	if !ok {
		panic(fmt.Sprintf("cpu: buffer of type %T was not made by the cpu backend", b))
	}
	return cb.d
}

// Backend is the CPU implementation of engine.Backend.
type Backend struct {
	threads int             // worker threads (0: GOMAXPROCS)
	work    *workers        // started by the first kernel that needs them
	cleanup runtime.Cleanup // stops work when the backend is collected unclosed
	mem     []workerMem     // per worker: GEMM packing, im2col, pooling scratch
	packed  []float32       // op(B) packed once per call and shared by the workers
	cT      []float32       // Cᵀ of a wide A·Bᵀ
	partial []float32       // per-block filter gradients of Conv2DBackwardFilter
	// biasPartial holds BiasGrad's block sums, biasRep BiasAdd's bias
	// repeated over a run of rows.
	biasPartial, biasRep []float32
	// The task of the kernel running now, kept here so that a call
	// allocates nothing.
	gemmTask   gemmTask
	transposeT transposeTask
	conv       convTask
	reduce     reduceTask
	elem       elemTask
	biasGrad   biasGradTask
	maxPoolT   poolTask
}

// New returns a CPU backend with GOMAXPROCS threads.
func New() *Backend { return &Backend{} }

// NewWithOptions returns a CPU backend with opt.Threads threads. TF32 does
// not apply (the CPU always computes in fp32); a device index other than 0
// is refused.
func NewWithOptions(opt engine.Options) (*Backend, error) {
	if opt.DeviceIndex != 0 {
		return nil, fmt.Errorf("cpu: device index %d: the CPU backend has one device", opt.DeviceIndex)
	}
	return &Backend{threads: opt.Threads}, nil
}

// Traits: batches are gathered on the host and the loss is read every step
// (reading it costs nothing on the CPU).
var traits = engine.Traits{LossReadEvery: 1, HostThreads: true}

func (*Backend) Traits() engine.Traits { return traits }

func (*Backend) Name() string { return "cpu" }

func (be *Backend) Describe() string {
	threads := "1 thread"
	if n := be.Threads(); n != 1 {
		threads = fmt.Sprintf("%d threads", n)
	}
	return fmt.Sprintf("cpu: %s, GEMM kernel %s", threads, kernelName())
}

// Threads is the number of workers the kernels use: Options.Threads, or
// GOMAXPROCS when that is 0 (read when the first kernel starts them).
func (be *Backend) Threads() int {
	if be.work != nil {
		return be.work.threads
	}
	if be.threads > 0 {
		return be.threads
	}
	return runtime.GOMAXPROCS(0)
}

func (*Backend) Alloc(n int) (engine.Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("cpu: Alloc(%d): negative size", n)
	}
	return &buffer{d: make([]float32, n)}, nil
}

func (*Backend) Free(engine.Buffer) {}

func (be *Backend) CopyIn(dst engine.Buffer, src []float32) {
	d := data(dst)
	if len(src) > len(d) {
		panic(fmt.Sprintf("cpu: CopyIn of %d values into a %d-element buffer", len(src), len(d)))
	}
	be.copyLarge(d, src)
}

func (*Backend) CopyOut(dst []float32, src engine.Buffer) {
	s := data(src)
	if len(dst) > len(s) {
		panic(fmt.Sprintf("cpu: CopyOut of %d values from a %d-element buffer", len(dst), len(s)))
	}
	copy(dst, s)
}

func (be *Backend) Copy(dst, src engine.Buffer) {
	d, s := data(dst), data(src)
	be.copyLarge(d, s[:min(len(d), len(s))])
}

func (*Backend) Fill(dst engine.Buffer, v float32) {
	d := data(dst)
	for i := range d {
		d[i] = v
	}
}

func (*Backend) Synchronize() error { return nil }

// grow returns s with length n, reusing its memory when large enough.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
