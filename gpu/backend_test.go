//go:build cuda

// These tests need a CUDA device: a GPU, or the CPU stand-in of gpu/cudasim
// (make test-cuda-sim), where Describe says "cuda-sim".
package gpu

import (
	"math"
	"strings"
	"sync"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/enginetest"
)

var (
	shared    *Backend
	sharedErr error
	once      sync.Once
)

// device opens the backend once for the whole test binary, as a process
// would.
func device(t testing.TB) *Backend {
	t.Helper()
	once.Do(func() { shared, sharedErr = New() })
	if sharedErr != nil {
		t.Fatalf("opening the cuda backend: %v", sharedErr)
	}
	return shared
}

func TestDescribe(t *testing.T) {
	b := device(t)
	d := b.Describe()
	t.Log(d)
	for _, want := range []string{"cuda: ", "cuBLAS", "cuDNN", "parity mode"} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe() = %q, missing %q", d, want)
		}
	}
	if err := present(); err != nil {
		t.Errorf("present() = %v with a device open", err)
	}
	if d, err := engine.ResolveDevice("auto"); err != nil || d != "cuda" {
		t.Errorf(`ResolveDevice("auto") = %q, %v with a device open, want cuda`, d, err)
	}
}

func TestConformance(t *testing.T) { enginetest.Run(t, device(t)) }

// TestParityWithCPU runs the report's CNN and a dropout/sigmoid model on
// this backend and on the CPU backend: logits, loss, every gradient, and
// the weights after several optimizer steps must agree.
func TestParityWithCPU(t *testing.T) { enginetest.Parity(t, cpu.New(), device(t)) }

// The dropout mask comes from the engine's counter-based generator on every
// device: the same (seed, offset) gives the same mask, bit for bit.
func TestDropoutMaskIsTheCPUs(t *testing.T) {
	b, c := device(t), cpu.New()
	const n = 10007
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%13) - 6
	}
	run := func(be engine.Backend) (y, mask []float32) {
		xb, _ := be.Alloc(n)
		yb, _ := be.Alloc(n)
		mb, _ := be.Alloc(n)
		defer be.Free(xb)
		defer be.Free(yb)
		defer be.Free(mb)
		be.CopyIn(xb, x)
		be.DropoutForward(n, 0.3, 0xfeed, 1<<40, xb, yb, mb)
		y, mask = make([]float32, n), make([]float32, n)
		be.CopyOut(y, yb)
		be.CopyOut(mask, mb)
		return y, mask
	}
	gy, gm := run(b)
	cy, cm := run(c)
	for i := range gm {
		if math.Float32bits(gm[i]) != math.Float32bits(cm[i]) || math.Float32bits(gy[i]) != math.Float32bits(cy[i]) {
			t.Fatalf("element %d: cuda mask %v y %v, cpu mask %v y %v", i, gm[i], gy[i], cm[i], cy[i])
		}
	}
}

// Slices address the right bytes: a Gemm on windows of larger buffers, and
// a copy between windows, leave everything outside the windows alone.
func TestSlicesAreByteOffsets(t *testing.T) {
	b := device(t)
	buf, err := b.Alloc(64)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(buf)
	b.Fill(buf, -1)
	src := []float32{1, 2, 3, 4}
	b.CopyIn(buf.Slice(10, 4), src)
	b.Copy(buf.Slice(40, 4), buf.Slice(10, 4))
	got := make([]float32, 64)
	b.CopyOut(got, buf)
	for i, v := range got {
		want := float32(-1)
		switch {
		case i >= 10 && i < 14:
			want = src[i-10]
		case i >= 40 && i < 44:
			want = src[i-40]
		}
		if v != want {
			t.Fatalf("element %d = %v, want %v (all: %v)", i, v, want, got)
		}
	}
}

// Where cuDNN offers no deterministic algorithm (played by the stand-in),
// parity mode runs the own path, which is deterministic; where that does
// not fit the scratch limit either (a backward filter whose chunk sums need
// scratch), a non-deterministic cuDNN algorithm, and the device description
// says so.
func TestNoDeterministicAlgorithm(t *testing.T) {
	if !strings.Contains(device(t).Describe(), "cuda-sim") {
		t.Skip("needs the CPU stand-in to play a cuDNN without deterministic algorithms")
	}
	t.Setenv("MNISTGPU_CUDASIM_NONDETERMINISTIC", "1")
	p, err := engine.NewConvParams(1, 5, 5, 2, 3, 3, 3, 1, 1, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scratchLimit     int64
		algorithm        string
		nondeterministic bool
	}{
		{0, ownName, false},
		{-1, "cudnn:algo_0", true}, // no scratch: only cuDNN's algorithm 0 fits
	} {
		b, err := New()
		if err != nil {
			t.Fatal(err)
		}
		b.conv.scratchLimit = c.scratchLimit
		b.conv.chunks = 2 // the own path's chunk sums need scratch
		x, _ := b.Alloc(50)
		dy, _ := b.Alloc(75)
		dw, _ := b.Alloc(54)
		b.Fill(x, 1)
		b.Fill(dy, 0.5)
		b.Conv2DBackwardFilter(p, x, dy, dw)
		got := make([]float32, 54)
		b.CopyOut(got, dw)
		if got[(1*3+1)*2] != 12.5 { // centre tap: 25 output pixels × 0.5
			t.Errorf("%s: centre tap %v, want 12.5", c.algorithm, got[(1*3+1)*2])
		}
		if ch := b.plans[convKey{p, false}].choice[wgrad]; ch.chosen.name != c.algorithm {
			t.Errorf("scratch limit %d: chose %s, want %s", c.scratchLimit, ch.chosen.name, c.algorithm)
		}
		d := b.Describe()
		if strings.Contains(d, "without a deterministic algorithm") != c.nondeterministic {
			t.Errorf("%s: Describe() = %q", c.algorithm, d)
		}
	}
}

// --tf32 reaches cuBLAS and cuDNN (the stand-in validates the math modes) and
// the description.
func TestTF32Option(t *testing.T) {
	device(t)
	b, err := NewWithOptions(Options{TF32: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Describe(); !strings.Contains(d, "TF32") {
		t.Errorf("Describe() = %q", d)
	}
	p, _ := engine.NewConvParams(1, 4, 4, 1, 1, 3, 3, 1, 1, engine.Same)
	x, _ := b.Alloc(16)
	w, _ := b.Alloc(9)
	y, _ := b.Alloc(16)
	b.Fill(x, 1)
	b.Fill(w, 1)
	b.Conv2DForward(p, x, w, y)
	got := make([]float32, 16)
	b.CopyOut(got, y)
	if got[5] != 9 || got[0] != 4 {
		t.Errorf("conv with TF32 allowed: %v", got)
	}
}

// MemoryInfo says how much device memory is free, less after an allocation.
func TestMemoryInfo(t *testing.T) {
	b := device(t)
	free, total, err := b.MemoryInfo()
	if err != nil || total <= 0 || free <= 0 || free > total {
		t.Fatalf("free %d of %d: %v", free, total, err)
	}
	buf, err := b.Alloc(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(buf)
	if after, _, _ := b.MemoryInfo(); after > free-4<<20 {
		t.Errorf("free %d after allocating 4 MiB, %d before", after, free)
	}
}
