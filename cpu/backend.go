// Package cpu is the reference Backend in Go: the laptop path and the oracle
// every other backend is compared with. Kernels split work over
// GOMAXPROCS goroutines so that each output element is always computed by the
// same sequence of float operations: results do not depend on the thread count.
package cpu

import (
	"fmt"
	"runtime"

	"mnistgpu/engine"
)

func init() {
	engine.Register("cpu", func(opt engine.Options) (engine.Backend, error) { return NewWithOptions(opt) })
}

// buffer is host memory; Slice aliases it.
type buffer struct{ d []float32 }

func (b *buffer) Len() int { return len(b.d) }

func (b *buffer) Slice(off, n int) engine.Buffer {
	if off < 0 || n < 0 || off+n > len(b.d) {
		panic(fmt.Sprintf("cpu: Slice(%d, %d) out of range of a %d-element buffer", off, n, len(b.d)))
	}
	return &buffer{d: b.d[off : off+n : off+n]}
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
	cols    []float32   // im2col scratch, grown on demand
	scratch [][]float32 // per-worker GEMM packing buffers
	partial []float32   // BiasGrad block sums
	dwT     []float32   // transposed filter gradient for narrow patches
	threads int         // worker threads (0: GOMAXPROCS)
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
func (*Backend) Traits() engine.Traits { return engine.Traits{LossReadEvery: 1} }

func (*Backend) Name() string { return "cpu" }

func (*Backend) Describe() string {
	return fmt.Sprintf("cpu: %d threads, GEMM kernel %s", runtime.GOMAXPROCS(0), kernelName())
}

func (*Backend) Alloc(n int) (engine.Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("cpu: Alloc(%d): negative size", n)
	}
	return &buffer{d: make([]float32, n)}, nil
}

func (*Backend) Free(engine.Buffer) {}

func (*Backend) CopyIn(dst engine.Buffer, src []float32) {
	d := data(dst)
	if len(src) > len(d) {
		panic(fmt.Sprintf("cpu: CopyIn of %d values into a %d-element buffer", len(src), len(d)))
	}
	copy(d, src)
}

func (*Backend) CopyOut(dst []float32, src engine.Buffer) {
	s := data(src)
	if len(dst) > len(s) {
		panic(fmt.Sprintf("cpu: CopyOut of %d values from a %d-element buffer", len(dst), len(s)))
	}
	copy(dst, s)
}

func (*Backend) Copy(dst, src engine.Buffer) { copy(data(dst), data(src)) }

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
