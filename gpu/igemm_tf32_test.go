//go:build cuda

package gpu

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/cu"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// The own convolution kernels on the TF32 tensor cores
// (kernels/igemm_tf32.cu). Their reference is the float64 convolution of the
// inputs rounded to TF32 as the kernels round them (tf32Reference, checked
// bit for bit against the kernels' rounding by TestTF32Round), within
// tf32Bound of the reduction length: the kernels' error is then fp32
// summation alone (the tensor cores' on a card).
// A pass that did not round its inputs misses it by far (TF32 keeps 10
// mantissa bits: about 2⁻¹¹ of each term). The stand-in runs every mma as
// the emulation, a warp exchange between coroutines: the shapes are small.

// tf32ConvDevice is a backend of the test's own in TF32 mode whose own
// convolution kernels run on the tensor cores, or a skip where the GPU has
// none (kernels/igemm_tf32.cu not loaded).
func tf32ConvDevice(t *testing.T) *Backend {
	t.Helper()
	device(t)
	b, err := NewWithOptions(Options{TF32: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	if !b.convTF32 {
		major, minor, _ := b.dev.ComputeCapability()
		t.Skipf("sm_%d%d has no TF32 tensor cores: TF32 mode runs the fp32 convolution kernels", major, minor)
	}
	return b
}

// newTF32ConvPassCase is newConvPassCase with the reference computed from
// the inputs rounded to TF32, and the tolerance tf32Bound of the pass's
// reduction length and its largest sum of magnitudes.
func newTF32ConvPassCase(p engine.ConvParams, pass convPass, seed uint64) convPassCase {
	c := newConvPassCase(p, pass, seed)
	round := func(v []float32, magnitude bool) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(tf32Reference(x))
			if magnitude && out[i] < 0 {
				out[i] = -out[i]
			}
		}
		return out
	}
	ref := func(magnitude bool) []float64 {
		a, b := round(c.in1, magnitude), round(c.in2, magnitude)
		switch pass {
		case fprop:
			return conformance.RefConv2D(p, a, b)
		case dgrad:
			return conformance.RefConv2DBackwardData(p, a, b)
		}
		return conformance.RefConv2DBackwardFilter(p, a, b)
	}
	c.ref = ref(false)
	mag := 0.0
	for _, m := range ref(true) {
		mag = max(mag, m)
	}
	c.atol = tf32Bound(tf32ConvTerms(p, pass), mag)
	return c
}

// tf32ConvTerms is the reduction length of a pass: the products each output
// sums, at most.
func tf32ConvTerms(p engine.ConvParams, pass convPass) int {
	switch pass {
	case fprop:
		return p.R * p.S * p.C
	case dgrad:
		return p.R * p.S * p.K
	}
	return p.N * p.OH * p.OW
}

// tf32ConvShapes: batch 1 and 7; channels and filters 1, 3 and 33 (a
// fragment partly outside the GEMM, quads of 4 broken); 1×1 and 3×3
// kernels; strides 1 and 2, and unequal; "same" and "valid".
var tf32ConvShapes = []igShape{
	{1, 5, 5, 3, 33, 3, 3, 1, 1, engine.Same},
	{7, 5, 5, 33, 3, 3, 3, 2, 2, engine.Same},
	{1, 6, 6, 1, 1, 1, 1, 1, 1, engine.Valid},
	{7, 4, 4, 33, 33, 1, 1, 2, 2, engine.Valid},
	{7, 6, 5, 3, 1, 3, 3, 1, 2, engine.Valid},
	{1, 7, 7, 33, 3, 3, 3, 2, 1, engine.Same},
}

// Each pass in TF32 mode runs the tensor-core kernel (by the fixed rule, one
// launch), agrees with the reference of TF32-rounded inputs and reruns bit
// for bit; where the sums are short (4 to 128 terms) the fp32 kernels'
// result of the same inputs misses that reference, so the check tells the
// two apart.
func TestTF32ConvPasses(t *testing.T) {
	b := tf32ConvDevice(t)
	parity := device(t)
	var told [convPasses]int
	for i, s := range tf32ConvShapes {
		p := s.params(t)
		for pass := range convPasses {
			what := fmt.Sprintf("%s of %s pad %d/%d", pass, convShape(p), p.PadTop, p.PadLeft)
			c := newTF32ConvPassCase(p, pass, uint64(90+i))
			before := b.Counts()
			c.check(t, b, p, pass, what)
			if k := b.Counts().Sub(before).Kernels; k != 2 {
				t.Errorf("%s: two runs took %d kernels", what, k)
			}
			if ch := b.choiceOf(p, pass); ch == nil || ch.chosen.name != ownName+"_tf32" || ch.chosen.launches != 1 {
				t.Errorf("%s: ran %+v", what, ch)
			}
			// The bound grows as k·Σ|terms| and the rounding's effect as
			// √k·2⁻¹¹·|term|: the two part for short sums over many outputs.
			if k := tf32ConvTerms(p, pass); k < 4 || k > 128 || len(c.ref) < 8 {
				continue
			}
			told[pass]++
			if fp32 := c.run(t, parity, p, pass); withinTolerance(c, fp32) {
				t.Errorf("%s: the fp32 kernels' result is within tolerance of the TF32 reference", what)
			}
		}
	}
	if told[fprop] == 0 || told[dgrad] == 0 || told[wgrad] == 0 {
		t.Errorf("fp32 told apart from TF32 in %v cases of each pass, want some of each", told)
	}
	if d := b.Describe(); !strings.Contains(d, "own convolution kernels on the TF32 tensor cores") ||
		!strings.Contains(d, ownName+"_tf32") {
		t.Errorf("Describe() = %q", d)
	}
	if r := b.ConvReport(); !strings.Contains(r, ownName+"_tf32 (fixed rule)") {
		t.Errorf("ConvReport() = %q", r)
	}
}

// withinTolerance: every element of got is within c's tolerance of c.ref.
func withinTolerance(c convPassCase, got []float32) bool {
	for i, g := range got {
		if e := float64(g) - c.ref[i]; !(e <= c.atol+1e-4*abs(c.ref[i]) && -e <= c.atol+1e-4*abs(c.ref[i])) {
			return false
		}
	}
	return true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Every tile's TF32 kernels give the same bits (each output's sum has the
// same order of 8-term steps in every tile), the pooled forward pass
// included, within tolerance of the TF32 reference; the backward filter in
// 3 chunks added by the last block.
func TestTF32ConvTilesAgree(t *testing.T) {
	checkTilesAgree(t, tf32ConvDevice(t), []igShape{
		{7, 4, 4, 33, 3, 3, 3, 1, 1, engine.Same},
		{1, 6, 5, 3, 33, 3, 3, 2, 1, engine.Valid},
	}, newTF32ConvPassCase)
}

// The backward filter's reduction split into chunks (1, 3, 6) agrees with
// the reference and reruns bit for bit.
func TestTF32ConvWgradChunks(t *testing.T) {
	b := tf32ConvDevice(t)
	p := igShape{7, 6, 6, 3, 33, 3, 3, 1, 1, engine.Same}.params(t)
	c := newTF32ConvPassCase(p, wgrad, 44)
	for _, chunks := range []int{1, 3, 6} {
		b.conv.chunks = chunks
		split := b.wgradSplit(p)
		if split.chunks != chunks {
			t.Fatalf("%d chunks asked, split %+v", chunks, split)
		}
		c.checkRuns(t, fmt.Sprintf("wgrad of %s in %d chunks", convShape(p), chunks),
			func() []float32 { return c.ownRun(t, b, p, wgrad) })
	}
}

// The forward pass's fused epilogues on the tensor cores: bias and
// activation, and with the 2×2 max pool its argmax and z, bit for bit as
// the plain TF32 pass followed by the unfused kernels (checkEpilogues).
func TestTF32ConvEpilogues(t *testing.T) {
	checkEpilogues(t, tf32ConvDevice(t), []igShape{
		{7, 4, 4, 3, 33, 3, 3, 1, 1, engine.Same},
		{1, 6, 6, 1, 3, 3, 3, 1, 1, engine.Same},
		{1, 5, 5, 33, 3, 2, 2, 1, 1, engine.Valid}, // 4×4 output
		{1, 7, 7, 3, 3, 3, 3, 2, 2, engine.Same},   // 4×4 output
		{1, 5, 5, 3, 3, 3, 3, 1, 1, engine.Same},   // 5×5 output: no pool
	}, []engine.Activation{engine.ReLU, engine.Tanh})
}

// The three TF32 passes captured in a graph and replayed give the eager
// results bit for bit, one kernel each (the backward filter in 3 chunks).
func TestTF32ConvGraphReplay(t *testing.T) {
	b := tf32ConvDevice(t)
	b.conv.chunks = 3
	checkGraphReplay(t, b, igShape{2, 6, 6, 3, 33, 3, 3, 1, 1, engine.Same}.params(t))
}

// Describe's mode says what maths a card runs: TF32 mode on a GPU older than
// sm_80 (no TF32 tensor cores) is fp32, and says so.
func TestTF32ModeSaysWhatRuns(t *testing.T) {
	for _, c := range []struct {
		tf32         bool
		major, minor int
		want         string
	}{
		{false, 9, 0, "parity mode (fp32, deterministic algorithms)"},
		{false, 7, 0, "parity mode (fp32, deterministic algorithms)"},
		{true, 8, 0, "TF32 tensor-op maths"},
		{true, 9, 0, "TF32 tensor-op maths"},
		{true, 7, 5, "TF32 mode, but sm_75 has no TF32 tensor cores: fp32 maths"},
	} {
		if got := tf32Mode(Options{TF32: c.tf32}, c.major, c.minor); got != c.want {
			t.Errorf("TF32 %v on sm_%d%d: %q, want %q", c.tf32, c.major, c.minor, got, c.want)
		}
	}
}

// Which kernels TF32 mode runs where: the tensor-core ones where the
// compute_80 module loaded, else the fp32 ones, and Describe says which;
// parity mode never runs the TF32 ones.
func TestTF32ConvSelection(t *testing.T) {
	loaded := map[string]cu.Function{igTF32Probe: {}}
	for _, c := range []struct {
		tf32, loaded, want bool
		mode               string
	}{
		{false, true, false, ""},
		{false, false, false, ""},
		{true, true, true, ", own convolution kernels on the TF32 tensor cores"},
		{true, false, false, ", own convolution kernels in fp32"},
	} {
		fns := map[string]cu.Function{}
		if c.loaded {
			fns = loaded
		}
		got := ownConvTF32(Options{TF32: c.tf32}, fns)
		if mode := ownConvMode(Options{TF32: c.tf32}, got); got != c.want || mode != c.mode {
			t.Errorf("TF32 %v, module loaded %v: tensor cores %v, %q; want %v, %q", c.tf32, c.loaded, got, mode, c.want, c.mode)
		}
	}
	for _, tf32 := range []bool{false, true} {
		if got := (igTile{64, 32}).kernel("wgrad", tf32); got != map[bool]string{false: "conv_wgrad_64x32", true: "conv_wgrad_tf32_64x32"}[tf32] {
			t.Errorf("kernel of tf32 %v: %s", tf32, got)
		}
	}
	b := device(t)
	if b.convTF32 {
		t.Error("parity mode runs the TF32 convolution kernels")
	}
	for _, tile := range igTiles {
		for _, pass := range []string{"fprop", "dgrad", "wgrad"} {
			_, fp32 := b.functions[tile.kernel(pass, false)]
			_, tf32 := b.functions[tile.kernel(pass, true)]
			if !fp32 || tf32 != ownConvTF32(Options{TF32: true}, b.functions) {
				t.Errorf("tile %v, %s: fp32 kernel loaded %v, TF32 kernel %v", tile, pass, fp32, tf32)
			}
		}
	}
}

// tf32SequentialConv is a pass as the stand-in's TF32 kernels compute it:
// the implied GEMM's every output is fp32 0, then each product of TF32-rounded
// operands added in increasing reduction index (tf32Sum's element; the zeros
// of padding and of taps that reach no pixel add nothing), over chunks of
// chunk indices whose sums are then added in order when there are several
// (the backward filter's split).
func tf32SequentialConv(p engine.ConvParams, pass convPass, in1, in2 []float32, chunk int) []float32 {
	// patch is the forward pass's A: output pixel m's input at reduction
	// index kk = (ky, kx, ch), 0 in the padding.
	patch := func(x []float32, m, kk int) float32 {
		ox, oy, n := m%p.OW, m/p.OW%p.OH, m/(p.OW*p.OH)
		tap, ch := kk/p.C, kk%p.C
		iy, ix := oy*p.SH-p.PadTop+tap/p.S, ox*p.SW-p.PadLeft+tap%p.S
		if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
			return 0
		}
		return x[((n*p.H+iy)*p.W+ix)*p.C+ch]
	}
	var rows, cols, red int
	var a, b func(i, kk int) float32
	switch pass {
	case fprop:
		rows, cols, red = p.N*p.OH*p.OW, p.K, p.R*p.S*p.C
		a = func(m, kk int) float32 { return patch(in1, m, kk) }
		b = func(kk, k int) float32 { return in2[k*red+kk] }
	case dgrad:
		rows, cols, red = p.N*p.H*p.W, p.C, p.R*p.S*p.K
		a = func(m, j int) float32 {
			ix, iy, n := m%p.W, m/p.W%p.H, m/(p.W*p.H)
			tap, k := j/p.K, j%p.K
			ty, tx := iy+p.PadTop-tap/p.S, ix+p.PadLeft-tap%p.S
			if ty < 0 || tx < 0 || ty%p.SH != 0 || tx%p.SW != 0 || ty/p.SH >= p.OH || tx/p.SW >= p.OW {
				return 0
			}
			return in1[((n*p.OH+ty/p.SH)*p.OW+tx/p.SW)*p.K+k]
		}
		b = func(j, ch int) float32 { return in2[((j%p.K)*p.R*p.S+j/p.K)*p.C+ch] }
	default:
		rows, cols, red = p.K, p.R*p.S*p.C, p.N*p.OH*p.OW
		a = func(k, m int) float32 { return in2[m*p.K+k] }
		b = func(m, kk int) float32 { return patch(in1, m, kk) }
	}
	out := make([]float32, rows*cols)
	for i := range rows {
		for j := range cols {
			var sum float32
			for c0 := 0; c0 < red; c0 += chunk {
				acc, _, _ := tf32Sum(0, min(chunk, red-c0), func(kk int) float32 { return a(i, c0+kk) },
					func(kk int) float32 { return b(c0+kk, j) })
				if chunk >= red {
					sum = acc
				} else {
					sum = float32(sum + acc)
				}
			}
			out[i*cols+j] = sum
		}
	}
	return out
}

// On the stand-in, where the mma is the exact emulation, each TF32 pass
// gives tf32SequentialConv's bits: the fixed order is the one documented
// (kernels/igemm_mma.cuh), in every tile and with the backward filter's
// chunks. A card's tensor cores add within a step in an order of their own.
func TestTF32ConvSequentialOrder(t *testing.T) {
	b := tf32ConvDevice(t)
	if !b.simulated {
		t.Skip("the tensor cores' order within an mma is not specified: TestTF32ConvPasses bounds it")
	}
	for i, s := range tf32ConvShapes {
		p := s.params(t)
		for _, tile := range []igTile{{32, 32}, {128, 32}} {
			b.conv.tile = tile
			for pass := range convPasses {
				c := newTF32ConvPassCase(p, pass, uint64(110+i))
				chunk := p.R * p.S * p.C * p.K * p.N * p.H * p.W // one chunk
				if pass == wgrad {
					b.conv.chunks = 3
					chunk = b.wgradSplit(p).chunk
				}
				sameBits(t, fmt.Sprintf("%s of %s, tile %v", pass, convShape(p), tile), c.ownRun(t, b, p, pass),
					tf32SequentialConv(p, pass, c.in1, c.in2, chunk))
			}
		}
	}
}
