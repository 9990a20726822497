//go:build cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// igShape is a convolution of the implicit-GEMM tests.
type igShape struct {
	n, h, w, c, k, r, s, sh, sw int
	pad                         engine.Padding
}

func (s igShape) params(t *testing.T) engine.ConvParams {
	t.Helper()
	p, err := engine.NewConvParams(s.n, s.h, s.w, s.c, s.k, s.r, s.s, s.sh, s.sw, s.pad)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// igShapes: batch 1, 7, 64 and 257; channels and filters that are not
// multiples of a tile or of 4 (1, 3, 33) beside ones that are (32, 64);
// images of 1, 5, 14 and 28 pixels a side; kernels 1×1, 2×2, 2×3, 3×3 and
// 5×5; strides 1, 2 and 3, and unequal; "same" (TensorFlow's asymmetric
// padding among them) and "valid"; the report's two layers. Few large ones:
// the stand-in runs a block's threads as coroutines.
var igShapes = []igShape{
	{1, 1, 1, 1, 1, 1, 1, 1, 1, engine.Valid},
	{1, 5, 5, 3, 33, 3, 3, 1, 1, engine.Same},
	{7, 5, 5, 33, 3, 5, 5, 2, 2, engine.Same},
	{7, 14, 14, 3, 32, 2, 3, 2, 2, engine.Same}, // padding 0 top, 0 bottom; 0 left, 1 right
	{7, 14, 14, 64, 33, 1, 1, 2, 2, engine.Valid},
	{1, 28, 28, 64, 1, 2, 3, 2, 2, engine.Valid},
	{1, 5, 5, 32, 64, 5, 5, 1, 1, engine.Valid},
	{7, 28, 28, 3, 3, 5, 5, 2, 2, engine.Same},
	{7, 14, 14, 32, 64, 2, 2, 1, 1, engine.Same}, // padding 0 top, 1 bottom
	{7, 14, 14, 3, 5, 3, 3, 3, 3, engine.Same},   // stride 3
	{7, 14, 5, 33, 4, 3, 2, 1, 2, engine.Valid},  // strides 1 down, 2 across
	{257, 5, 5, 3, 32, 3, 3, 1, 1, engine.Same},
	{64, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same}, // the report's first layer
	{7, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same}, // and its second
}

// Each pass of the own kernels, which the fixed rule chooses, agrees with
// the float64 reference on every shape of igShapes, and reruns bit for bit
// (convPassCase.check).
func TestImplicitConvPasses(t *testing.T) {
	b := device(t)
	for i, s := range igShapes {
		p := s.params(t)
		for pass := range convPasses {
			what := fmt.Sprintf("%s of %s pad %d/%d", pass, convShape(p), p.PadTop, p.PadLeft)
			newConvPassCase(p, pass, uint64(10+i)).check(t, b, p, pass, what)
			if ch := b.choiceOf(p, pass); ch == nil || ch.chosen.name != ownName || ch.chosen.launches != 1 {
				t.Errorf("%s: ran %+v", what, ch)
			}
		}
	}
}

// The kernels load and store 4 floats at once where the channels and the
// address allow it, one at a time elsewhere: tensors one float off 16-byte
// alignment (slices of a larger buffer) give the same bits as aligned ones.
func TestImplicitConvUnalignedBuffers(t *testing.T) {
	b := device(t)
	p := igShape{2, 6, 5, 32, 64, 3, 3, 1, 1, engine.Same}.params(t)
	for pass := range convPasses {
		c := newConvPassCase(p, pass, 60)
		aligned := c.run(t, b, p, pass)
		var bufs [3]engine.Buffer
		for i, v := range [][]float32{c.in1, c.in2, make([]float32, len(c.ref))} {
			whole := devNaN(t, b, len(v)+1)
			bufs[i] = whole.Slice(1, len(v))
			b.CopyIn(bufs[i], v)
		}
		convRun(b, p, pass, bufs[0], bufs[1], bufs[2])
		sameBits(t, pass.String()+" one float off alignment", hostVec(b, bufs[2]), aligned)
	}
}

// igBackend is a backend of the test's own, whose tile and chunk settings
// the test may change: it runs the passes with ownRun.
func igBackend(t *testing.T) *Backend {
	t.Helper()
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ownRun runs the pass on the own kernels directly, not through the
// algorithm choice, so that each run follows b.conv's tile and chunks as
// they are then, with the scratch that the split needs.
func (c convPassCase) ownRun(t *testing.T, b *Backend, p engine.ConvParams, pass convPass) []float32 {
	t.Helper()
	in1, in2, out := devVec(t, b, c.in1), devVec(t, b, c.in2), devNaN(t, b, len(c.ref))
	need := b.wgradSplit(p).scratch(p)
	ws := devNaN(t, b, int(need/4)+1)
	b.ownPass(p, pass, convCall{in1, in2, out}, ptr(ws), need)
	return hostVec(b, out)
}

// devVec allocates a device buffer holding v (freed at the test's end).
func devVec(t *testing.T, b *Backend, v []float32) engine.Buffer {
	t.Helper()
	buf, err := b.Alloc(len(v))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(buf) })
	b.CopyIn(buf, v)
	return buf
}

// devNaN allocates n NaNs on the device.
func devNaN(t *testing.T, b *Backend, n int) engine.Buffer {
	t.Helper()
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return devVec(t, b, v)
}

func hostVec(b *Backend, buf engine.Buffer) []float32 {
	out := make([]float32, buf.Len())
	b.CopyOut(out, buf)
	return out
}

func randVec32(r *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return v
}

// The forward pass with bias and activation applied as it stores gives z
// and f(z) bit for bit as the plain pass followed by BiasActivationForward;
// with the 2×2 max pool too, the pool of f(z) as MaxPoolForward gives it,
// the window-local index of its first maximum (ReLU's zeros make ties) and
// the z there. A rerun gives the same bits.
func TestImplicitConvEpilogues(t *testing.T) {
	checkEpilogues(t, device(t), []igShape{
		{7, 14, 14, 3, 33, 3, 3, 1, 1, engine.Same},
		{1, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same},
		{8, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same},
		{7, 14, 14, 33, 3, 2, 3, 2, 2, engine.Same}, // 7×7 output: no pool
		{7, 5, 5, 3, 5, 2, 2, 1, 1, engine.Valid},   // 4×4 output
	}, []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh})
}

// checkEpilogues is TestImplicitConvEpilogues on backend b, the shapes and
// the activations given.
func checkEpilogues(t *testing.T, b *Backend, shapes []igShape, acts []engine.Activation) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 1))
	for _, s := range shapes {
		for _, f := range acts {
			p := s.params(t)
			what := fmt.Sprintf("%s %v", convShape(p), f)
			rows := p.N * p.OH * p.OW
			x := devVec(t, b, randVec32(r, p.N*p.H*p.W*p.C, 0, 1))
			w := devVec(t, b, randVec32(r, p.K*p.R*p.S*p.C, -0.5, 0.5))
			bias := devVec(t, b, randVec32(r, p.K, -0.2, 0.2))
			const alpha = 0.1

			// The unfused composition.
			z, y := devNaN(t, b, rows*p.K), devNaN(t, b, rows*p.K)
			b.Conv2DForward(p, x, w, z)
			b.BiasActivationForward(f, alpha, rows, p.K, z, bias, y)
			wantZ, wantY := hostVec(b, z), hostVec(b, y)

			for run := range 2 {
				fz, fy := devNaN(t, b, rows*p.K), devNaN(t, b, rows*p.K)
				before := b.Counts()
				b.convBiasActForward(p, f, alpha, x, w, bias, fz, fy)
				if k := b.Counts().Sub(before).Kernels; k != 1 {
					t.Errorf("%s: convBiasActForward ran %d kernels", what, k)
				}
				sameBits(t, fmt.Sprintf("%s run %d: z", what, run), hostVec(b, fz), wantZ)
				sameBits(t, fmt.Sprintf("%s run %d: f(z)", what, run), hostVec(b, fy), wantY)
			}

			pp, err := engine.NewPoolParams(p.N, p.OH, p.OW, p.K, 2, 2, 2, 2, engine.Valid)
			if err != nil {
				t.Fatal(err)
			}
			pooled := p.OH*p.OW*p.N/4*p.K + 1 // room for a kernel that writes past the end
			py, arg, pz := devNaN(t, b, pooled), devNaN(t, b, pooled), devNaN(t, b, pooled)
			before := b.Counts()
			ok := b.convBiasActPoolForward(p, pp, f, alpha, x, w, bias, py, arg, pz)
			if ran := b.Counts().Sub(before).Kernels; ok != (p.OH%2 == 0 && p.OW%2 == 0) || ran != map[bool]int64{true: 1}[ok] {
				t.Fatalf("%s: convBiasActPoolForward = %v with %d kernels for a %dx%d output", what, ok, ran, p.OH, p.OW)
			}
			if !ok {
				continue
			}
			wantPY := devNaN(t, b, pp.N*pp.OH*pp.OW*pp.C)
			b.MaxPoolForward(pp, y, wantPY)
			gotPY, gotArg, gotPZ := hostVec(b, py), hostVec(b, arg), hostVec(b, pz)
			n := pp.N * pp.OH * pp.OW * pp.C
			sameBits(t, what+": pooled", gotPY[:n], hostVec(b, wantPY))
			if !math.IsNaN(float64(gotPY[n])) || !math.IsNaN(float64(gotArg[n])) || !math.IsNaN(float64(gotPZ[n])) {
				t.Errorf("%s: a value written past the pooled output", what)
			}
			// The expected argmax and its z from the unfused f(z) and z.
			wantArg, wantPZ := make([]float32, n), make([]float32, n)
			for i := range n {
				ch, win := i%pp.C, i/pp.C
				px, rest := win%pp.OW, win/pp.OW
				py, bi := rest%pp.OH, rest/pp.OH
				best, at := float32(0), -1
				for q := range 4 {
					o := ((bi*p.OH+2*py+q/2)*p.OW+2*px+q%2)*p.K + ch
					if at < 0 || wantY[o] > best {
						best, at = wantY[o], q
						wantPZ[i] = wantZ[o]
					}
				}
				wantArg[i] = float32(at)
			}
			sameBits(t, what+": argmax", gotArg[:n], wantArg)
			sameBits(t, what+": z at the argmax", gotPZ[:n], wantPZ)
			b.Fill(py, float32(math.NaN()))
			b.convBiasActPoolForward(p, pp, f, alpha, x, w, bias, py, arg, pz)
			sameBits(t, what+": pooled, rerun", hostVec(b, py), gotPY)
		}
	}
}

// A pool the fused kernel cannot apply (not 2×2 stride 2 unpadded, or not
// over the convolution's output) is refused before anything runs.
func TestImplicitConvPoolRefused(t *testing.T) {
	p := igShape{2, 6, 6, 3, 4, 3, 3, 1, 1, engine.Same}.params(t)
	for _, c := range []struct {
		h, w, c, ph, pw, sh, sw int
		pad                     engine.Padding
	}{
		{6, 6, 4, 3, 3, 2, 2, engine.Valid},
		{6, 6, 4, 2, 2, 1, 1, engine.Valid},
		{6, 6, 4, 2, 2, 2, 2, engine.Same}, // even: no padding, but fine
		{6, 6, 5, 2, 2, 2, 2, engine.Valid},
		{4, 4, 4, 2, 2, 2, 2, engine.Valid},
	} {
		pp, err := engine.NewPoolParams(p.N, c.h, c.w, c.c, c.ph, c.pw, c.sh, c.sw, c.pad)
		if err != nil {
			t.Fatal(err)
		}
		want := c.ph == 2 && c.pw == 2 && c.sh == 2 && c.sw == 2 && c.c == 4 && c.h == 6
		if got := poolFollows(p, pp); got != want {
			t.Errorf("pool %+v after %s: %v, want %v", pp, convShape(p), got, want)
		}
	}
	b := device(t)
	pp, _ := engine.NewPoolParams(p.N, 6, 6, 4, 3, 3, 2, 2, engine.Valid)
	before := b.Counts()
	buf := devVec(t, b, make([]float32, 4))
	if b.convBiasActPoolForward(p, pp, engine.ReLU, 0, buf, buf, buf, buf, buf, buf) {
		t.Error("a 3×3 pool was fused")
	}
	if d := b.Counts().Sub(before); d.Kernels != 0 {
		t.Errorf("a refused pool ran %+v", d)
	}
}

// The backward filter's reduction split into any number of chunks agrees
// with the reference and reruns bit for bit (the chunk counters wrap back
// to 0 for the next launch).
func TestImplicitConvWgradChunks(t *testing.T) {
	shapes := []igShape{
		{7, 14, 14, 3, 33, 3, 3, 1, 1, engine.Same},
		{16, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same},
		{7, 5, 5, 33, 3, 5, 5, 2, 2, engine.Same},
	}
	b := igBackend(t)
	for i, s := range shapes {
		p := s.params(t)
		c := newConvPassCase(p, wgrad, uint64(40+i))
		for _, chunks := range []int{0, 1, 2, 3, 7, 100} {
			b.conv.chunks = chunks
			split := b.wgradSplit(p)
			rows := p.N * p.OH * p.OW
			if chunks > 0 && (split.chunks > chunks || (split.chunks == 1) != (chunks == 1)) {
				t.Errorf("%s: %d chunks asked, split %+v", convShape(p), chunks, split)
			}
			if split.chunk%igBK != 0 || (split.chunks-1)*split.chunk >= rows || split.chunks*split.chunk < rows {
				t.Errorf("%s: split %+v does not cover %d rows in whole steps", convShape(p), split, rows)
			}
			c.checkRuns(t, fmt.Sprintf("wgrad of %s in %d chunks", convShape(p), split.chunks),
				func() []float32 { return c.ownRun(t, b, p, wgrad) })
		}
	}
}

// A backward filter given less scratch than its chunk sums need refuses
// to run rather than write past it.
func TestImplicitConvWgradScratchChecked(t *testing.T) {
	b := device(t)
	p := igShape{7, 14, 14, 3, 33, 3, 3, 1, 1, engine.Same}.params(t)
	need := b.wgradSplit(p).scratch(p)
	if need == 0 {
		t.Fatalf("%s: one chunk, no scratch to check", convShape(p))
	}
	c := newConvPassCase(p, wgrad, 50)
	in1, in2, out := devVec(t, b, c.in1), devVec(t, b, c.in2), devNaN(t, b, len(c.ref))
	ws := devNaN(t, b, int(need/4))
	before := b.Counts()
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "needs") {
				t.Errorf("%d bytes of scratch for %d: %v", need-4, need, r)
			}
		}()
		b.ownPass(p, wgrad, convCall{in1, in2, out}, ptr(ws), need-4)
	}()
	if d := b.Counts().Sub(before); d.Kernels != 0 {
		t.Errorf("the refused pass ran %+v", d)
	}
}

// The backward filter's split is a function of the sizes alone; pinned for
// the report's two layers at batch 64 (a change of the rule, which changes
// the rounding of every weight gradient, shows here).
func TestImplicitConvWgradSplit(t *testing.T) {
	for _, c := range []struct {
		s    igShape
		want igSplit
	}{
		{igShape{64, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same}, igSplit{igTile{32, 32}, 1, 196, 256}},
		{igShape{64, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same}, igSplit{igTile{64, 64}, 5, 49, 256}},
		{igShape{1, 5, 5, 3, 4, 3, 3, 1, 1, engine.Same}, igSplit{igTile{32, 32}, 1, 1, 32}},
	} {
		p := c.s.params(t)
		if got := (&Backend{}).wgradSplit(p); got != c.want {
			t.Errorf("%s: split %+v, want %+v", convShape(p), got, c.want)
		}
	}
}

// Every tile's kernels give the same bits (each output's sum has the same
// order in every tile; the backward filter's split is held at 3 chunks),
// within tolerance of the reference, the pooled forward pass included.
func TestImplicitConvTilesAgree(t *testing.T) {
	checkTilesAgree(t, igBackend(t), []igShape{
		{7, 5, 5, 33, 3, 5, 5, 2, 2, engine.Same},
		{7, 14, 14, 3, 33, 3, 3, 1, 1, engine.Same},
		{2, 6, 5, 32, 64, 3, 3, 1, 1, engine.Same},
		{3, 9, 8, 2, 5, 3, 2, 2, 1, engine.Valid},
	}, newConvPassCase)
}

// checkTilesAgree is TestImplicitConvTilesAgree on backend b (whose tile and
// chunks it sets), the shapes given, each pass checked against newCase's
// reference.
func checkTilesAgree(t *testing.T, b *Backend, shapes []igShape,
	newCase func(p engine.ConvParams, pass convPass, seed uint64) convPassCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(8, 1))
	for i, s := range shapes {
		p := s.params(t)
		pp, err := engine.NewPoolParams(p.N, p.OH, p.OW, p.K, 2, 2, 2, 2, engine.Valid)
		if err != nil {
			t.Fatal(err)
		}
		pooledLen := pp.N * pp.OH * pp.OW * pp.C
		x, w, bias := randVec32(r, p.N*p.H*p.W*p.C, 0, 1), randVec32(r, p.K*p.R*p.S*p.C, -0.5, 0.5), randVec32(r, p.K, -0.2, 0.2)
		var first [convPasses][]float32
		var firstPooled [3][]float32
		for j, tile := range igTiles {
			b.conv.tile, b.conv.chunks = tile, 3
			for pass := range convPasses {
				c := newCase(p, pass, uint64(70+i))
				what := fmt.Sprintf("%s of %s, tile %dx%d", pass, convShape(p), tile.bm, tile.bn)
				run := func() []float32 { return c.ownRun(t, b, p, pass) }
				if j == 0 {
					c.checkRuns(t, what, run)
					first[pass] = run()
				} else {
					sameBits(t, what, run(), first[pass])
				}
			}
			outs := [3]engine.Buffer{devNaN(t, b, pooledLen), devNaN(t, b, pooledLen), devNaN(t, b, pooledLen)}
			if !b.convBiasActPoolForward(p, pp, engine.ReLU, 0, devVec(t, b, x), devVec(t, b, w), devVec(t, b, bias),
				outs[0], outs[1], outs[2]) {
				continue // an odd output: no pool
			}
			for k, o := range outs {
				if j == 0 {
					firstPooled[k] = hostVec(b, o)
				} else {
					sameBits(t, fmt.Sprintf("pooled output %d of %s, tile %dx%d", k, convShape(p), tile.bm, tile.bn),
						hostVec(b, o), firstPooled[k])
				}
			}
		}
	}
}
