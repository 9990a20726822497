package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kernelPlain is the micro-kernel as a plain triple loop with the sums in
// memory: the order kernelGo must keep.
func kernelPlain(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	var acc [maxMR][maxNR]float32
	for p := 0; p < k; p++ {
		for i := 0; i < mr; i++ {
			ai := a[i*rs+p*ks]
			for j := 0; j < nr; j++ {
				acc[i][j] += ai * b[p*ldb+j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			if overwrite {
				c[i*ldc+j] = alpha * acc[i][j]
			} else {
				c[i*ldc+j] += alpha * acc[i][j]
			}
		}
	}
}

// kernelFunc is the micro-kernel's signature.
type kernelFunc func(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool)

// sameKernelBits runs got and want on random operands of the current mr×nr
// tile for each k, with A by rows, packed and by columns, B packed and in
// place (a wider row stride), overwriting and adding with several alphas,
// and fails at the first C element whose bits differ.
func sameKernelBits(t *testing.T, r *rand.Rand, ks []int, got, want kernelFunc, wantName string) {
	t.Helper()
	for _, k := range ks {
		for _, layout := range []struct {
			name        string
			rs, ks, ldb int
		}{
			{"rows", k + 5, 1, nr},
			{"packed", 1, mr, nr},
			{"columns", 1, mr + 9, nr + 13},
		} {
			a := randSlice(r, mr*layout.rs+k*layout.ks+mr)
			b := randSlice(r, k*layout.ldb+nr)
			ldc := nr + 3
			c := randSlice(r, mr*ldc)
			for _, mode := range []struct {
				alpha     float32
				overwrite bool
			}{{1, true}, {-0.5, true}, {1, false}, {2.5, false}} {
				g, w := append([]float32(nil), c...), append([]float32(nil), c...)
				got(k, a, layout.rs, layout.ks, b, layout.ldb, g, ldc, mode.alpha, mode.overwrite)
				want(k, a, layout.rs, layout.ks, b, layout.ldb, w, ldc, mode.alpha, mode.overwrite)
				for e := range w {
					if math.Float32bits(g[e]) != math.Float32bits(w[e]) {
						t.Fatalf("%dx%d k=%d %s alpha=%g overwrite=%v: c[%d] = %g, %s %g",
							mr, nr, k, layout.name, mode.alpha, mode.overwrite, e, g[e], wantName, w[e])
					}
				}
			}
		}
	}
}

// The portable kernel's strips give the plain loop's bits, for the tile of
// every kernel (strips of 8 and 1), including k = 0 and k not a multiple of
// the unrolling.
func TestKernelGoBitsOfPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	saved := [2]int{mr, nr}
	defer func() { mr, nr = saved[0], saved[1] }()
	for _, tile := range [][2]int{{6, 16}, {8, 32}, {3, 11}} {
		mr, nr = tile[0], tile[1]
		sameKernelBits(t, r, []int{0, 1, 3, 7, 64, 257}, kernelGo, kernelPlain, "plain loop")
	}
}
