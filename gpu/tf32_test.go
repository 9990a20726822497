//go:build cuda

package gpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/cu"

	"mnistgpu/engine"
)

// The TF32 kernels (kernels/tf32.cu, kernels/mma.cuh). On the stand-in every
// path is the emulation and is checked bit for bit against the references
// below; on a GPU of sm_80 or newer the same tests check the hardware's
// cvt.rna.tf32.f32 bit for bit, and its mma.sync and the GEMM against float64
// sums of the rounded inputs within a bound that grows with k (the tensor
// cores' internal order and precision are not specified). On an older GPU
// the module is not loaded and the tests skip.

// tf32Reference rounds x to TF32 from the definition, independently of the
// kernels' bit arithmetic: to the nearest multiple of the TF32 spacing at
// |x| (10 mantissa bits below the leading one, and never below 2⁻¹³⁶, the
// spacing of fp32 subnormals with 13 bits dropped), ties away from zero,
// overflowing to infinity at 2¹²⁸. A NaN stays a quiet NaN of the same sign
// and high payload (the emulation's choice; PTX promises NaN only with
// .satfinite).
func tf32Reference(x float32) float32 {
	switch {
	case x != x:
		return math.Float32frombits(math.Float32bits(x)&0xffffe000 | 0x00400000)
	case x == 0 || math.IsInf(float64(x), 0):
		return x
	}
	v := math.Abs(float64(x))
	_, e := math.Frexp(v) // v = f·2^e, 0.5 ≤ f < 1: the leading bit is 2^(e−1)
	spacing := max(e-1-10, -136)
	q := math.Ldexp(v, -spacing) // exact: x has at most 24 significant bits
	r := math.Floor(q)
	if q-r >= 0.5 {
		r++
	}
	out := math.Ldexp(r, spacing)
	if out >= 0x1p128 {
		out = math.Inf(1)
	}
	return float32(math.Copysign(out, float64(x)))
}

// tf32Edges are inputs where the rounding can go wrong, as fp32 bits.
var tf32Edges = []uint32{
	0x00000000, 0x80000000, // ±0 keep their sign
	0x3f800000, 0xbf800000, // ±1, already TF32
	0x3f801000, 0xbf801000, // 1 + 2⁻¹¹: a tie with an even kept bit, away from zero (to even would stay at 1)
	0x3f803000, 0xbf803000, // a tie with an odd kept bit
	0x3f800fff, 0x3f801001, // just below and above the tie
	0x3fffffff, 0x3ffff000, // the mantissa carries into the exponent: 2
	0x3fffefff,                         // just below that: 2 − 2⁻¹⁰
	0x7f7fffff, 0xff7fffff, 0x7f7ff000, // the largest fp32 and the tie above the largest TF32: ±infinity
	0x7f7fefff, 0x7f7fe000, // round down to, and stay, the largest TF32
	0x7f800000, 0xff800000, // infinities stay
	0x00000001, 0x80000001, 0x00000fff, // subnormals under half the TF32 spacing: ±0
	0x00001000, 0x80001000, 0x00003000, // subnormal ties: away from zero
	0x00002fff, 0x00001001, // subnormals either side of a tie
	0x007fffff, 0x807fffff, // the largest subnormal rounds up to the smallest normal
	0x00800000, 0x00800fff, // the smallest normal, and just above it
	0x3dcccccd, 0x40490fdb, 0xc2f6e979, 0x0da24260, 0x7149f2ca, // 0.1, π, −123.456, 1e−30, 1e30
}

var tf32NaNs = []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xffc01234, 0x7fffffff}

// tf32Device is a backend in TF32 mode with the own GEMM, or a skip where
// the GPU has no TF32 tensor cores (the kernels/tf32.cu module not loaded).
func tf32Device(t *testing.T) *Backend {
	t.Helper()
	b := device(t)
	if _, ok := b.functions["tf32_gemm"]; !ok {
		major, minor, _ := b.dev.ComputeCapability()
		t.Skipf("sm_%d%d has no TF32 tensor cores: the TF32 kernels are not loaded", major, minor)
	}
	t.Setenv(ownTF32Env, "1")
	tb, err := NewWithOptions(Options{TF32: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tb.Close(); err != nil {
			t.Error(err)
		}
	})
	return tb
}

// runTF32 copies ins to the device, calls launch with their buffers and
// fresh ones of the sizes outs (NaN-poisoned), and returns those outputs.
func runTF32(t *testing.T, b *Backend, ins [][]float32, outs []int, launch func(in, out []engine.Buffer)) [][]float32 {
	t.Helper()
	alloc := func(n int) engine.Buffer {
		buf, err := b.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Free(buf) })
		return buf
	}
	var inBufs, outBufs []engine.Buffer
	for _, v := range ins {
		buf := alloc(len(v))
		b.CopyIn(buf, v)
		inBufs = append(inBufs, buf)
	}
	for _, n := range outs {
		buf := alloc(n)
		b.Fill(buf, float32(math.NaN()))
		outBufs = append(outBufs, buf)
	}
	launch(inBufs, outBufs)
	got := make([][]float32, len(outs))
	for i, n := range outs {
		got[i] = make([]float32, n)
		b.CopyOut(got[i], outBufs[i])
	}
	return got
}

func TestTF32ReferenceRounding(t *testing.T) {
	for _, c := range []struct{ in, want uint32 }{
		{0x3f801000, 0x3f802000}, {0xbf801000, 0xbf802000}, {0x3f800fff, 0x3f800000}, {0x3fffffff, 0x40000000},
		{0x7f7fffff, 0x7f800000}, {0x7f7fefff, 0x7f7fe000}, {0x00001000, 0x00002000}, {0x00000fff, 0},
		{0x007fffff, 0x00800000}, {0x80000000, 0x80000000}, {0x7f800001, 0x7fc00000},
	} {
		if got := math.Float32bits(tf32Reference(math.Float32frombits(c.in))); got != c.want {
			t.Errorf("tf32Reference(%#08x) = %#08x, want %#08x", c.in, got, c.want)
		}
	}
}

// TestTF32Round: tf32_round against tf32Reference, bit for bit, on the edge
// values and 4096 random fp32 bit patterns; the emulation everywhere, and
// cvt.rna.tf32.f32 on a GPU (for a NaN only that the result is a NaN, its
// bits logged: PTX does not fix them without .satfinite).
func TestTF32Round(t *testing.T) {
	b := tf32Device(t)
	r := rand.New(rand.NewPCG(27, 3))
	var in []float32
	for _, u := range append(append([]uint32{}, tf32Edges...), tf32NaNs...) {
		in = append(in, math.Float32frombits(u))
	}
	for range 4096 {
		in = append(in, math.Float32frombits(r.Uint32()))
	}
	for _, emulate := range []bool{true, false} {
		got := runTF32(t, b, [][]float32{in}, []int{len(in)}, func(i, o []engine.Buffer) {
			b.launch("tf32_round_array", len(in), emulate, len(in), i[0], o[0])
		})[0]
		for i, x := range in {
			want := math.Float32bits(tf32Reference(x))
			g := math.Float32bits(got[i])
			if x != x && !emulate && !b.simulated {
				if got[i] == got[i] {
					t.Errorf("hardware: tf32_round(NaN %#08x) = %#08x, not a NaN", math.Float32bits(x), g)
				} else if g != want {
					t.Logf("hardware: tf32_round(NaN %#08x) = %#08x (the emulation gives %#08x)", math.Float32bits(x), g, want)
				}
				continue
			}
			if g != want {
				t.Errorf("emulate=%v: tf32_round(%#08x = %g) = %#08x, want %#08x", emulate, math.Float32bits(x), x, g, want)
			}
		}
	}
}

// tf32Operands are random values of [−4, 4) with full fp32 mantissas, so
// that the rounding to TF32 changes most of them, and a few zeros.
func tf32Operands(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		if r.IntN(16) != 0 {
			v[i] = r.Float32()*8 - 4
		}
	}
	return v
}

// tf32Sum is the emulation's element: acc = init, then acc += a[kk]·b[kk]
// for kk in order, each product and sum rounded to fp32 (the explicit
// conversions keep Go from fusing them), with the inputs rounded to TF32.
// It also returns the float64 sum of the rounded terms and the sum of their
// magnitudes, for the hardware's bound.
func tf32Sum(init float32, k int, a, b func(kk int) float32) (acc float32, exact, mag float64) {
	acc, exact, mag = init, float64(init), math.Abs(float64(init))
	for kk := range k {
		x, y := tf32Reference(a(kk)), tf32Reference(b(kk))
		acc = float32(acc + float32(x*y))
		p := float64(x) * float64(y)
		exact += p
		mag += math.Abs(p)
	}
	return acc, exact, mag
}

// tf32Bound is how far the tensor cores may be from the float64 sum of k
// products of TF32 values and an addend whose magnitudes add up to mag:
// fp32 summation in any order is within (k+1)·2⁻²⁴·mag; twice that, and 8
// more terms, leave room for the hardware's unspecified internal rounding.
func tf32Bound(k int, mag float64) float64 { return float64(k+9) * 0x1p-23 * mag }

// TestTF32MMA: one m16n8k8 through PTX's fragment layout (tf32_mma_tile):
// the emulation bit for bit against tf32Sum on every device, and the
// hardware's mma.sync on a GPU within tf32Bound of the float64 sum, which a
// wrong fragment layout misses by far.
func TestTF32MMA(t *testing.T) {
	b := tf32Device(t)
	r := rand.New(rand.NewPCG(27, 8))
	for trial := range 3 {
		a, bm, c := tf32Operands(r, 16*8), tf32Operands(r, 8*8), tf32Operands(r, 16*8)
		for _, emulate := range []bool{true, false} {
			d := runTF32(t, b, [][]float32{a, bm, c}, []int{16 * 8}, func(i, o []engine.Buffer) {
				b.launchGrid("tf32_mma_tile", 1, 1, 32, 1, emulate, i[0], i[1], i[2], o[0])
			})[0]
			for i := range 16 {
				for j := range 8 {
					acc, exact, mag := tf32Sum(c[i*8+j], 8, func(kk int) float32 { return a[i*8+kk] },
						func(kk int) float32 { return bm[kk*8+j] })
					got := d[i*8+j]
					if emulate || b.simulated {
						if math.Float32bits(got) != math.Float32bits(acc) {
							t.Errorf("trial %d, emulate=%v: D[%d][%d] = %g, want %g bit for bit", trial, emulate, i, j, got, acc)
						}
					} else if math.Abs(float64(got)-exact) > tf32Bound(8, mag) {
						t.Errorf("trial %d, mma.sync: D[%d][%d] = %g, float64 %g, bound %g", trial, i, j, got, exact, tf32Bound(8, mag))
					}
				}
			}
		}
	}
}

// gemmCase is a Gemm call of the TF32 tests.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
}

// tf32GemmCases are the shapes of the test: every size of {1, 7, 15, 16,
// 17, 33, 64, 257} in each of m, n and k, and two long k that are cut into
// slices (3 and 2, the last shorter), with every transpose, both beta = 0
// (C is not read) and not.
func tf32GemmCases() []gemmCase {
	shapes := [][3]int{{1, 1, 1}, {1, 7, 257}, {7, 15, 17}, {15, 1, 16}, {16, 16, 16}, {17, 33, 7},
		{33, 17, 64}, {64, 64, 64}, {257, 7, 15}, {15, 257, 33}, {33, 64, 1}, {7, 7, 1100}, {17, 9, 600}}
	var cases []gemmCase
	for i, s := range shapes {
		for tr := range 4 {
			c := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1}
			if (i+tr)%2 == 1 {
				c.alpha, c.beta = -0.75, 1.5
			}
			cases = append(cases, c)
		}
	}
	return cases
}

// TestTF32Gemm: Gemm of a backend in TF32 mode with MNISTGPU_OWN_TF32_GEMM=1
// runs tf32_gemm; its result is tf32Sum's over each slice of k, the slices
// added in order (bit for bit on the stand-in, within tf32Bound of the
// float64 sum on a GPU), with leading dimensions wider than the matrices;
// nothing beyond n is written, and a second run gives the same bits.
func TestTF32Gemm(t *testing.T) {
	b := tf32Device(t)
	r := rand.New(rand.NewPCG(27, 2))
	for _, gc := range tf32GemmCases() {
		name := fmt.Sprintf("%dx%dx%d/transA=%v,transB=%v", gc.m, gc.n, gc.k, gc.transA, gc.transB)
		ar, ac := gc.m, gc.k
		if gc.transA {
			ar, ac = gc.k, gc.m
		}
		br, bc := gc.k, gc.n
		if gc.transB {
			br, bc = gc.n, gc.k
		}
		lda, ldb, ldc := ac+1, bc+3, gc.n+2
		a, bm, c := tf32Operands(r, ar*lda), tf32Operands(r, br*ldb), tf32Operands(r, gc.m*ldc)
		if gc.beta == 0 {
			for i := range c {
				c[i] = float32(math.NaN()) // not to be read
			}
		}
		at := func(i, kk int) float32 {
			if gc.transA {
				return a[kk*lda+i]
			}
			return a[i*lda+kk]
		}
		bt := func(kk, j int) float32 {
			if gc.transB {
				return bm[j*ldb+kk]
			}
			return bm[kk*ldb+j]
		}
		var runs [2][]float32
		for run := range runs {
			before := b.Counts()
			runs[run] = runTF32(t, b, [][]float32{a, bm, c}, []int{len(c)}, func(i, o []engine.Buffer) {
				b.Copy(o[0], i[2])
				b.Gemm(gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, i[0], lda, i[1], ldb, gc.beta, o[0], ldc)
			})[0]
			if after := b.Counts(); after.LibraryCalls != before.LibraryCalls {
				t.Fatalf("%s: Gemm called cuBLAS with %s=1", name, ownTF32Env)
			}
		}
		kslice, slices := tf32Slices(((gc.n+tf32Tile-1)/tf32Tile)*((gc.m+tf32Tile-1)/tf32Tile), gc.k)
		if gc.k > tf32MinSlice && slices < 2 {
			t.Fatalf("%s: %d slices of %d, want k cut", name, slices, kslice)
		}
		for i := range gc.m {
			for j := range gc.n {
				var acc float32
				var exact, mag float64
				for s := range max(slices, 1) {
					kb := s * kslice
					sum, e, g := tf32Sum(0, min(gc.k-kb, kslice), func(kk int) float32 { return at(i, kb+kk) },
						func(kk int) float32 { return bt(kb+kk, j) })
					acc, exact, mag = float32(acc+sum), exact+e, mag+g
				}
				want := float32(gc.alpha * acc)
				if gc.beta != 0 {
					want = float32(want + float32(gc.beta*c[i*ldc+j]))
					exact = float64(gc.alpha)*exact + float64(gc.beta)*float64(c[i*ldc+j])
					mag = math.Abs(float64(gc.alpha))*mag + math.Abs(float64(gc.beta)*float64(c[i*ldc+j]))
				} else {
					exact *= float64(gc.alpha)
					mag *= math.Abs(float64(gc.alpha))
				}
				got := runs[0][i*ldc+j]
				if b.simulated {
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s: C[%d][%d] = %g, want %g bit for bit", name, i, j, got, want)
					}
				} else if math.Abs(float64(got)-exact) > tf32Bound(gc.k, mag) {
					t.Fatalf("%s: C[%d][%d] = %g, float64 %g, bound %g", name, i, j, got, exact, tf32Bound(gc.k, mag))
				}
			}
			for j := gc.n; j < ldc; j++ {
				if g := runs[0][i*ldc+j]; math.Float32bits(g) != math.Float32bits(c[i*ldc+j]) {
					t.Fatalf("%s: C[%d][%d], beyond n, changed to %g", name, i, j, g)
				}
			}
		}
		for i := range runs[0] {
			if math.Float32bits(runs[0][i]) != math.Float32bits(runs[1][i]) {
				t.Fatalf("%s: element %d is %g, then %g on a second run", name, i, runs[0][i], runs[1][i])
			}
		}
	}
}

// MNISTGPU_OWN_TF32_GEMM: 1 runs in TF32 mode and is refused in parity
// mode, naming the variable and --tf32 (it was dropped there without a
// word); 0 or unset is cuBLAS, anything else is refused naming the
// variable; a GPU without TF32 tensor cores refuses 1.
func TestTF32GemmOption(t *testing.T) {
	for _, c := range []struct {
		env  string
		tf32 bool
		own  bool
		err  string
	}{
		{"", true, false, ""}, {"0", true, false, ""}, {"1", true, true, ""}, {"1", false, false, ownTF32Env + "=1 runs TF32 mode's GEMMs"}, {"0", false, false, ""},
		{"yes", true, false, ownTF32Env + `="yes"`}, {"2", false, false, ownTF32Env + `="2"`},
	} {
		own, err := ownTF32Gemm(func(k string) string {
			if k == ownTF32Env {
				return c.env
			}
			return ""
		}, Options{TF32: c.tf32})
		if own != c.own || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s=%q, TF32 %v: own %v, error %v; want own %v, error with %q", ownTF32Env, c.env, c.tf32, own, err, c.own, c.err)
		}
		// A setting (exit 2; --device auto does not fall back past it).
		var se *engine.SettingError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("%s=%q: %T, want an *engine.SettingError", ownTF32Env, c.env, err)
		}
	}
	old := &Backend{ownTF32: true, functions: map[string]cu.Function{}}
	var se *engine.SettingError
	if err := old.checkOwnTF32(7, 0); !errors.As(err, &se) || !strings.Contains(err.Error(), "sm_70") {
		t.Errorf("own TF32 GEMM without the tf32 module: %v", err)
	}
	for _, c := range []struct {
		target, major, minor int
		simulated, runs      bool
	}{{70, 7, 0, false, true}, {80, 7, 5, false, false}, {80, 8, 0, false, true}, {80, 9, 0, false, true}, {80, 7, 0, true, true}} {
		if got := moduleRuns(c.target, c.major, c.minor, c.simulated); got != c.runs {
			t.Errorf("moduleRuns(sm_%d on sm_%d%d, simulated %v) = %v", c.target, c.major, c.minor, c.simulated, got)
		}
	}
	device(t)
	t.Setenv(ownTF32Env, "maybe")
	if _, err := NewWithOptions(Options{TF32: true}); err == nil || !strings.Contains(err.Error(), ownTF32Env) {
		t.Errorf("opening with %s=maybe: %v", ownTF32Env, err)
	}
	t.Setenv(ownTF32Env, "1")
	if _, err := NewWithOptions(Options{}); !errors.As(err, &se) || !strings.Contains(err.Error(), "--tf32") {
		t.Errorf("opening in parity mode with %s=1: %v, want a setting error naming --tf32", ownTF32Env, err)
	}
	b, err := NewWithOptions(Options{TF32: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Describe(); !strings.Contains(d, ownTF32Env) || !b.ownTF32 {
		t.Errorf("TF32 with %s=1: own kernel %v, Describe() = %q", ownTF32Env, b.ownTF32, d)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// tf32Slices cuts a long k of a GEMM with few tiles so that up to
// tf32Blocks blocks share it, slices of whole staging steps covering k
// exactly once; a short k or a GEMM of many tiles is not cut.
func TestTF32Slices(t *testing.T) {
	for _, c := range []struct{ tiles, k, kslice, slices int }{
		{1, 50176, 512, 98}, // the CNN's first weight gradient: 32×9 values over 64·28·28 pixels
		{5, 50176, 992, 51}, {1, 512, 512, 1}, {1, 513, 272, 2}, {300, 100000, 100000, 1}, {1, 0, 16, 0}, {4, 7, 16, 1},
	} {
		if kslice, slices := tf32Slices(c.tiles, c.k); kslice != c.kslice || slices != c.slices {
			t.Errorf("tf32Slices(%d tiles, k %d) = %d × %d, want %d × %d", c.tiles, c.k, slices, kslice, c.slices, c.kslice)
		}
	}
	for tiles := 1; tiles < 300; tiles += 7 {
		for k := 1; k < 70000; k += 997 {
			kslice, slices := tf32Slices(tiles, k)
			if kslice%tf32Depth != 0 || slices*kslice < k || (slices-1)*kslice >= k || (slices > 1 && tiles*slices > tf32Blocks) {
				t.Fatalf("tf32Slices(%d, %d) = %d × %d", tiles, k, slices, kslice)
			}
		}
	}
}

// tf32BenchShapes are the GEMMs of the report's CNN step at batch 64 in TF32
// mode (the own convolution path: forward, weight and data gradients of
// each convolution as im2col GEMMs, then the dense layers' three each).
var tf32BenchShapes = []gemmCase{
	{false, true, 50176, 32, 9, 1, 0}, {true, false, 32, 9, 50176, 1, 0},
	{false, true, 12544, 64, 288, 1, 0}, {true, false, 64, 288, 12544, 1, 0}, {false, false, 12544, 288, 64, 1, 0},
	{false, false, 64, 128, 3136, 1, 0}, {true, false, 3136, 128, 64, 1, 0}, {false, true, 64, 3136, 128, 1, 0},
	{false, false, 64, 10, 128, 1, 0}, {true, false, 128, 10, 64, 1, 0}, {false, true, 64, 128, 10, 1, 0},
}

// BenchmarkTF32Gemm times each GEMM of the CNN step in TF32 mode by cuBLAS
// and by the own kernel (MNISTGPU_OWN_TF32_GEMM=1), µs per call and
// GFLOP/s, so that a card decides the default. Skipped on the stand-in and
// on GPUs without TF32 tensor cores.
//
//	./gpu.test -test.run '^$' -test.bench TF32Gemm -test.benchtime 200x
func BenchmarkTF32Gemm(b *testing.B) {
	be := device(b)
	if be.Traits().Simulated {
		b.Skip("the CPU stand-in has no speed to measure")
	}
	if _, ok := be.functions["tf32_gemm"]; !ok {
		b.Skip("no TF32 tensor cores")
	}
	open := func(own string) *Backend {
		b.Setenv(ownTF32Env, own)
		tb, err := NewWithOptions(Options{TF32: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { tb.Close() })
		return tb
	}
	backends := []struct {
		name string
		be   *Backend
	}{{"cublas", open("0")}, {"own", open("1")}}
	for _, s := range tf32BenchShapes {
		for _, kb := range backends {
			b.Run(fmt.Sprintf("%dx%dx%d,tA=%v,tB=%v/%s", s.m, s.n, s.k, s.transA, s.transB, kb.name), func(b *testing.B) {
				tb := kb.be
				bufs := make([]engine.Buffer, 3)
				for i, n := range []int{s.m * s.k, s.k * s.n, s.m * s.n} {
					var err error
					if bufs[i], err = tb.Alloc(n); err != nil {
						b.Fatal(err)
					}
					defer tb.Free(bufs[i])
					tb.Fill(bufs[i], 0.5)
				}
				lda, ldb := s.k, s.n
				if s.transA {
					lda = s.m
				}
				if s.transB {
					ldb = s.k
				}
				call := func() {
					tb.Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, bufs[0], lda, bufs[1], ldb, 0, bufs[2], s.n)
				}
				call()
				if err := tb.Synchronize(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					call()
				}
				if err := tb.Synchronize(); err != nil {
					b.Fatal(err)
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(sec*1e6, "µs/call")
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// The own TF32 GEMM in a captured step: a split GEMM (tf32_gemm and
// tf32_gemm_reduce over the slices' scratch) and a plain one, replayed,
// give the eager results bit for bit, three kernels and no library call per
// replay.
func TestTF32GemmGraphReplay(t *testing.T) {
	b := tf32Device(t)
	r := rand.New(rand.NewPCG(27, 5))
	a, bm := tf32Operands(r, 7*1100), tf32Operands(r, 1100*7)
	outs := runTF32(t, b, [][]float32{a, bm}, []int{49, 49, 49, 49}, func(in, o []engine.Buffer) {
		step := func(x, y engine.Buffer) {
			b.Gemm(false, true, 7, 7, 1100, 1, in[0], 1100, in[1], 1100, 0, x, 7)
			b.Gemm(false, false, 7, 7, 7, 0.5, in[0], 1100, in[1], 7, 0, y, 7)
		}
		step(o[0], o[1])
		g, err := b.Capture(func() { step(o[2], o[3]) })
		if err != nil {
			t.Fatal(err)
		}
		defer g.Free()
		before := b.Counts()
		g.Launch()
		if got := b.Counts().Sub(before); got != (engine.Counts{Kernels: 3, GraphLaunches: 1}) {
			t.Errorf("a replay: %+v, want 3 kernels in 1 graph launch", got)
		}
	})
	for i := range 49 {
		if math.Float32bits(outs[2][i]) != math.Float32bits(outs[0][i]) || math.Float32bits(outs[3][i]) != math.Float32bits(outs[1][i]) {
			t.Fatalf("element %d: replayed %g, %g; eager %g, %g", i, outs[2][i], outs[3][i], outs[0][i], outs[1][i])
		}
	}
}
