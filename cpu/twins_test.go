package cpu

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
)

// twinLengths cut vector bodies (4 and 16 values a step) every way: empty,
// tail only, exact bodies, body plus tail.
var twinLengths = []int{0, 1, 3, 4, 5, 15, 16, 17, 1023}

// misaligned returns n values that start off floats into a fresh slice, so
// that no vector load is aligned to its own width.
func misaligned(v []float32, off int) []float32 {
	return append(make([]float32, off, off+len(v)), v...)[off:]
}

// TestElementwiseKernelsMatchTwins: the assembly element-wise kernels and
// optimizer updates (AVX on amd64, NEON on arm64; the twins themselves
// under noasm) give the portable twins' bits at every length, with inputs
// that start at odd offsets and hold NaNs, infinities, signed zeros and
// subnormals.
func TestElementwiseKernelsMatchTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 4))
	for _, n := range twinLengths {
		for _, off := range []int{0, 1, 3} {
			x, y := misaligned(vectorInputs(r, n), off), misaligned(vectorInputs(r, n), off+1)
			got, want := misaligned(y, 2), misaligned(y, 3)
			addTo(got, x)
			addToGo(want, x)
			sameBits(t, "addTo", got, want)
			relu(got, x)
			reluGo(want, x)
			sameBits(t, "relu", got, want)
			reluGrad(got, y, x)
			reluGradGo(want, y, x)
			sameBits(t, "reluGrad", got, want)

			// Optimizer state near minNormal exercises flushState.
			g, w, m, v := vectorInputs(r, n), vectorInputs(r, n), vectorInputs(r, n), vectorInputs(r, n)
			for i := range m {
				if r.IntN(4) == 0 {
					m[i], v[i] = 0x1p-126*float32(r.IntN(3)), 0x1p-125*r.Float32()
				}
			}
			w1, m1, v1 := misaligned(w, off), misaligned(m, off+1), misaligned(v, off+2)
			w2, m2, v2 := misaligned(w, 1), misaligned(m, 2), misaligned(v, 3)
			adam(w1, misaligned(g, off), m1, v1, 0.003, 0.9, 0.999, 1e-7)
			adamGo(w2, g, m2, v2, 0.003, 0.9, 0.999, 1e-7)
			sameBits(t, "adam w", w1, w2)
			sameBits(t, "adam m", m1, m2)
			sameBits(t, "adam v", v1, v2)
			for _, c := range []struct {
				momentum float32
				nesterov bool
			}{{0, false}, {0.9, false}, {0.9, true}} {
				w1, v1 := misaligned(w, off), misaligned(m, off+1)
				w2, v2 := misaligned(w, 1), misaligned(m, 2)
				// The velocity is indexed from off = 1 of a longer slice,
				// as a thread's part of the model is.
				sgd(w1, misaligned(g, off), append([]float32{7}, v1...), 1, 0.01, c.momentum, c.nesterov)
				sgdGo(w2, g, append([]float32{7}, v2...), 1, 0.01, c.momentum, c.nesterov)
				sameBits(t, "sgd w", w1, w2)
			}
		}
	}
}

// TestOptimizerBitsEveryArchitecture: ten Adam and ten Nesterov SGD steps
// give the weights recorded on amd64 on every architecture and kernel
// (arm64 included, under qemu-aarch64): each product is rounded before it
// is added, so Go's fused multiply-add on arm64 changes nothing.
func TestOptimizerBitsEveryArchitecture(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 26))
	const n = 1000 + 7
	wa, ma, va := randSlice(r, n), make([]float32, n), make([]float32, n)
	ws, vs := randSlice(r, n), make([]float32, n)
	for step := 0; step < 10; step++ {
		g := randSlice(r, n)
		adam(wa, g, ma, va, 0.003, 0.9, 0.999, 1e-7)
		sgd(ws, g, vs, 0, 0.05, 0.9, true)
	}
	for _, c := range []struct {
		name string
		w    []float32
		want uint64
	}{{"adam", wa, 0x6511d03b60b02f0f}, {"sgd", ws, 0x3cce0da5b8281c52}} {
		h := fnv.New64a()
		for _, x := range c.w {
			b := math.Float32bits(x)
			h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24)})
		}
		if got := h.Sum64(); got != c.want {
			t.Errorf("%s: weights hash to %#x, amd64 %#x", c.name, got, c.want)
		}
	}
}
