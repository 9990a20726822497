package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
)

// TestFusedBiasActivationMatchUnfused: the one-pass bias + activation kernels
// give the separate calls' results bit for bit (several bias blocks and runs,
// partial last ones, 1 and 3 threads).
func TestFusedBiasActivationMatchUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, sz := range [][2]int{{1, 10}, {64, 128}, {1300, 32}, {700, 10}, {3, 3000}} {
		rows, cols := sz[0], sz[1]
		n := rows * cols
		for _, f := range []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
			for _, threads := range []int{1, 3} {
				be, err := NewWithOptions(engine.Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%dx%d %v threads=%d", rows, cols, f, threads)
				z0, bias, dy := randSlice(r, n), randSlice(r, cols), randSlice(r, n)
				z1, z2 := append([]float32(nil), z0...), append([]float32(nil), z0...)
				y1, y2 := make([]float32, n), make([]float32, n)
				be.BiasAdd(rows, cols, Wrap(z1), Wrap(bias))
				be.ActivationForward(f, 0.2, n, Wrap(z1), Wrap(y1))
				be.biasActivationForward(f, 0.2, rows, cols, Wrap(z2), Wrap(bias), Wrap(y2))
				sameBits(t, name+" z", z2, z1)
				sameBits(t, name+" y", y2, y1)
				dz1, dz2 := make([]float32, n), make([]float32, n)
				db1, db2 := make([]float32, cols), make([]float32, cols)
				be.ActivationBackward(f, 0.2, n, Wrap(z1), Wrap(y1), Wrap(dy), Wrap(dz1))
				be.BiasGrad(rows, cols, Wrap(dz1), Wrap(db1))
				be.activationBackwardBiasGrad(f, 0.2, rows, cols, Wrap(z1), Wrap(y1), Wrap(dy), Wrap(dz2), Wrap(db2))
				sameBits(t, name+" dz", dz2, dz1)
				sameBits(t, name+" db", db2, db1)
			}
		}
	}
}

// TestFusedPoolActivationBiasGrad: the pool + activation + bias gradient pass
// gives the separate calls' dz bit for bit and their db up to the order of
// summation, and the same bits at 1 and 3 threads (2×2 and general windows,
// several bias blocks).
func TestFusedPoolActivationBiasGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	for _, sz := range [][7]int{{5, 28, 28, 32, 2, 2, 2}, {7, 14, 14, 64, 2, 2, 2}, {3, 7, 5, 3, 3, 3, 2}, {4, 9, 9, 8, 2, 2, 2}} {
		n, h, w, c := sz[0], sz[1], sz[2], sz[3]
		p, err := engine.NewPoolParams(n, h, w, c, sz[4], sz[5], sz[6], sz[6], engine.Same)
		if err != nil {
			t.Fatal(err)
		}
		rows := n * h * w
		for _, f := range []engine.Activation{engine.ReLU, engine.Tanh} {
			z := randSlice(r, rows*c)
			for i := range z {
				z[i] = float32(int(z[i]*4)) / 4 // ties in the pool windows
			}
			x := make([]float32, rows*c)
			dy := randSlice(r, n*p.OH*p.OW*c)
			y := make([]float32, len(dy))
			var want, wantDB []float32
			for _, threads := range []int{1, 3} {
				be, _ := NewWithOptions(engine.Options{Threads: threads})
				be.ActivationForward(f, 0, rows*c, Wrap(z), Wrap(x))
				be.MaxPoolForward(p, Wrap(x), Wrap(y))
				g, dz := make([]float32, rows*c), make([]float32, rows*c)
				db, db2 := make([]float32, c), make([]float32, c)
				be.MaxPoolBackward(p, Wrap(x), Wrap(y), Wrap(dy), Wrap(g))
				be.ActivationBackward(f, 0, rows*c, Wrap(z), Wrap(x), Wrap(g), Wrap(g))
				be.BiasGrad(rows, c, Wrap(g), Wrap(db))
				be.MaxPoolActivationBackwardBiasGrad(p, f, 0, Wrap(z), Wrap(x), Wrap(y), Wrap(dy), Wrap(dz), Wrap(db2))
				name := fmt.Sprintf("%v %v threads=%d", sz, f, threads)
				sameBits(t, name+" dz", dz, g)
				closeTo(t, name+" db", db2, db, float64(rows))
				if want == nil {
					want, wantDB = dz, db2
					continue
				}
				sameBits(t, name+" dz vs 1 thread", dz, want)
				sameBits(t, name+" db vs 1 thread", db2, wantDB)
			}
		}
	}
}

// TestSoftmaxRowBits: softmaxRow's stack path for short rows gives the bits
// of the two-exponential formula it replaces.
func TestSoftmaxRowBits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for n := 1; n <= 70; n++ {
		z := randSlice(r, n)
		for i := range z {
			z[i] *= 30
		}
		got := make([]float32, n)
		lse := softmaxRow(z, got)
		m := z[0]
		for _, v := range z {
			m = max(m, v)
		}
		var s float64
		for _, v := range z {
			s += math.Exp(float64(v - m))
		}
		want := make([]float32, n)
		for j, v := range z {
			want[j] = float32(math.Exp(float64(v-m)) / s)
		}
		sameBits(t, fmt.Sprintf("softmax of %d", n), got, want)
		if w := float64(m) + math.Log(s); lse != w {
			t.Fatalf("log-sum-exp of %d values: %v, want %v", n, lse, w)
		}
	}
}
