//go:build arm64 && !noasm

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The NEON kernel gives the portable kernel's bits (both fuse each
// multiply-add in k order), for A by rows and by columns and B in place and
// packed.
func TestKernelNEONBitsOfKernelGo(t *testing.T) {
	if kernelName() != "neon 6x16" || mr != 6 || nr != 16 {
		t.Fatalf("arm64 kernel %s, tile %dx%d", kernelName(), mr, nr)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 2, 5, 64, 256} {
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
				got, want := append([]float32(nil), c...), append([]float32(nil), c...)
				kernel(k, a, layout.rs, layout.ks, b, layout.ldb, got, ldc, mode.alpha, mode.overwrite)
				kernelGo(k, a, layout.rs, layout.ks, b, layout.ldb, want, ldc, mode.alpha, mode.overwrite)
				for e := range want {
					if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
						t.Fatalf("k=%d %s alpha=%g overwrite=%v: c[%d] = %g, portable kernel %g",
							k, layout.name, mode.alpha, mode.overwrite, e, got[e], want[e])
					}
				}
			}
		}
	}
}
