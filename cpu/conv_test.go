package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// TestConvShapesAgainstReference covers the convolution paths the
// conformance suite's shapes leave out: one input channel (transposed
// columns) with strides, valid and same padding, wide and narrow kernels,
// filter counts that do and do not fill column panels, and batches that do
// not fill the last block, at 1 and 3 threads, against the float64 reference.
func TestConvShapesAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, c := range []struct {
		n, h, w, ch, k, kh, kw, sh, sw int
		pad                            engine.Padding
	}{
		{3, 11, 9, 1, 5, 5, 5, 2, 2, engine.Valid},
		{2, 10, 13, 1, 32, 3, 2, 1, 3, engine.Same},
		{5, 28, 28, 1, 40, 3, 3, 1, 1, engine.Same},
		{3, 7, 7, 1, 64, 1, 1, 1, 1, engine.Valid},
		{2, 9, 9, 1, 8, 4, 4, 3, 1, engine.Same},
		{7, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same},
		{9, 6, 5, 3, 33, 3, 3, 2, 1, engine.Same},
	} {
		p, err := engine.NewConvParams(c.n, c.h, c.w, c.ch, c.k, c.kh, c.kw, c.sh, c.sw, c.pad)
		if err != nil {
			t.Fatal(err)
		}
		nx, nw, ny := c.n*c.h*c.w*c.ch, c.k*c.kh*c.kw*c.ch, c.n*p.OH*p.OW*c.k
		x, w, dy := randSlice(r, nx), randSlice(r, nw), randSlice(r, ny)
		ref := conformance.RefBackend{}
		buf := func(b engine.Backend, v []float32) engine.Buffer {
			d, _ := b.Alloc(len(v))
			b.CopyIn(d, v)
			return d
		}
		out := func(b engine.Backend, d engine.Buffer, n int) []float32 {
			v := make([]float32, n)
			b.CopyOut(v, d)
			return v
		}
		rx, rw, rdy := buf(ref, x), buf(ref, w), buf(ref, dy)
		ry, rdx, rdw := buf(ref, make([]float32, ny)), buf(ref, make([]float32, nx)), buf(ref, make([]float32, nw))
		ref.Conv2DForward(p, rx, rw, ry)
		ref.Conv2DBackwardData(p, rdy, rw, rdx)
		ref.Conv2DBackwardFilter(p, rx, rdy, rdw)
		for _, threads := range []int{1, 3} {
			be, err := NewWithOptions(engine.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			nan := float32(math.NaN())
			poisoned := func(n int) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = nan
				}
				return v
			}
			y, dx, dw := Wrap(poisoned(ny)), Wrap(poisoned(nx)), Wrap(poisoned(nw))
			be.Conv2DForward(p, Wrap(x), Wrap(w), y)
			be.Conv2DBackwardData(p, Wrap(dy), Wrap(w), dx)
			be.Conv2DBackwardFilter(p, Wrap(x), Wrap(dy), dw)
			name := fmt.Sprintf("%+v threads=%d", c, threads)
			closeTo(t, name+" forward", data(y), out(ref, ry, ny), float64(c.kh*c.kw*c.ch))
			closeTo(t, name+" backward data", data(dx), out(ref, rdx, nx), float64(c.kh*c.kw*c.k))
			closeTo(t, name+" backward filter", data(dw), out(ref, rdw, nw), float64(c.n*p.OH*p.OW))
		}
	}
}

// closeTo compares got with the float64 reference want for sums of terms
// products of values in [-1, 1].
func closeTo(t *testing.T, what string, got, want []float32, terms float64) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if !(math.Abs(g-w) <= 1e-6*terms+1e-5*math.Abs(w)) {
			t.Fatalf("%s: element %d = %v, reference %v", what, i, g, w)
		}
	}
}
