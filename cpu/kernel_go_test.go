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

// The portable kernel's strips give the plain loop's bits, for A by rows and
// by columns, B in place (a wide row stride) and packed, and the tile of
// every kernel (strips of 6, 4 and 1), including k = 0 and odd k.
func TestKernelGoBitsOfPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	saved := [2]int{mr, nr}
	defer func() { mr, nr = saved[0], saved[1] }()
	for _, tile := range [][2]int{{6, 16}, {8, 32}, {3, 11}} {
		mr, nr = tile[0], tile[1]
		for _, k := range []int{0, 1, 3, 7, 64, 257} {
			for _, layout := range []struct {
				name   string
				rs, ks int
				ldb    int
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
					got, want := append([]float32(nil), c...), append([]float32(nil), c...)
					kernelGo(k, a, layout.rs, layout.ks, b, layout.ldb, got, ldc, mode.alpha, mode.overwrite)
					kernelPlain(k, a, layout.rs, layout.ks, b, layout.ldb, want, ldc, mode.alpha, mode.overwrite)
					for e := range want {
						if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
							t.Fatalf("%dx%d k=%d %s alpha=%g overwrite=%v: c[%d] = %g, plain loop %g",
								mr, nr, k, layout.name, mode.alpha, mode.overwrite, e, got[e], want[e])
						}
					}
				}
			}
		}
	}
}
