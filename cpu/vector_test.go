package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
)

// specialValues are the inputs where vector and scalar code most easily part:
// signed zeros, NaNs of both signs, infinities, subnormals.
var specialValues = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), -float32(math.NaN()),
	float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45, 1, -1, 0.5, -2.5}

func vectorInputs(r *rand.Rand, n int) []float32 {
	v := randSlice(r, n)
	for i := range v {
		if r.IntN(3) == 0 {
			v[i] = specialValues[r.IntN(len(specialValues))]
		}
	}
	return v
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("%s[%d] = %v (%#x), Go twin %v (%#x)", what, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

// TestVectorKernelsMatchGo: the assembly element-wise kernels give their Go
// twins' results (NaN payloads aside) at every length, special values included.
func TestVectorKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 100, 1000} {
		x, y := vectorInputs(r, n), vectorInputs(r, n)
		got, want := append([]float32(nil), y...), append([]float32(nil), y...)
		addTo(got, x)
		addToGo(want, x)
		sameBits(t, "addTo", got, want)
		relu(got, x)
		reluGo(want, x)
		sameBits(t, "relu", got, want)
		for i, v := range got {
			if x[i] != x[i] && v == v {
				t.Fatalf("relu(NaN) = %v", v)
			}
		}
		reluGrad(got, x, y)
		reluGradGo(want, x, y)
		sameBits(t, "reluGrad", got, want)
	}
}

// TestPool2x2MatchesGeneralPath: the 2×2/2 fast path (assembly where the
// channels fill vectors) routes gradients exactly as the general window scan,
// ties and odd sizes included.
func TestPool2x2MatchesGeneralPath(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	// Last two: "same" padding of odd sizes pads the bottom and right, where
	// the fast path must not be taken (it read the next image's first row).
	for _, sz := range [][5]int{{2, 4, 4, 8, 0}, {3, 6, 6, 32, 0}, {2, 7, 5, 16, 0}, {2, 4, 4, 5, 0}, {1, 9, 9, 64, 0}, {3, 7, 9, 8, 1}, {2, 5, 5, 16, 1}} {
		n, h, w, c := sz[0], sz[1], sz[2], sz[3]
		pad := engine.Valid
		if sz[4] == 1 {
			pad = engine.Same
		}
		p, err := engine.NewPoolParams(n, h, w, c, 2, 2, 2, 2, pad)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, n*h*w*c)
		for i := range x {
			x[i] = float32(r.IntN(4)) // many ties
		}
		dy := randSlice(r, n*p.OH*p.OW*c)
		y := make([]float32, len(dy))
		be := New()
		be.MaxPoolForward(p, Wrap(x), Wrap(y))
		got := make([]float32, len(x))
		be.MaxPoolBackward(p, Wrap(x), Wrap(y), Wrap(dy), Wrap(got))
		want := make([]float32, len(x))
		best, arg := make([]float32, c), make([]int32, c)
		for s := 0; s < n; s++ {
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					poolWindow(p, x, s, oh, ow, best, arg)
					for ch, a := range arg {
						if a >= 0 {
							want[a] += dy[((s*p.OH+oh)*p.OW+ow)*c+ch]
						}
						if best[ch] != y[((s*p.OH+oh)*p.OW+ow)*c+ch] {
							t.Fatalf("%v: forward max differs at (%d,%d,%d,%d)", sz, s, oh, ow, ch)
						}
					}
				}
			}
		}
		sameBits(t, "pool2x2 dx", got, want)
	}
}

// TestPool2x2ForwardSpecialValues: the fast path's max is Go's max, NaNs and
// signed zeros included.
func TestPool2x2ForwardSpecialValues(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p, err := engine.NewPoolParams(2, 6, 4, 16, 2, 2, 2, 2, engine.Valid)
	if err != nil {
		t.Fatal(err)
	}
	x := vectorInputs(r, p.N*p.H*p.W*p.C)
	for i := range x[:p.H*p.W*p.C] { // sample 0: windows of signed zeros
		x[i] = specialValues[r.IntN(2)]
	}
	got := make([]float32, p.N*p.OH*p.OW*p.C)
	New().MaxPoolForward(p, Wrap(x), Wrap(got))
	want := make([]float32, len(got))
	C, rs := p.C, p.W*p.C
	for n := 0; n < p.N; n++ {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				for c := 0; c < C; c++ {
					i := (n*p.H+2*oh)*rs + 2*ow*C + c
					want[((n*p.OH+oh)*p.OW+ow)*C+c] = max(max(x[i], x[i+C]), max(x[i+rs], x[i+rs+C]))
				}
			}
		}
	}
	sameBits(t, "pool2x2 y", got, want)
}
