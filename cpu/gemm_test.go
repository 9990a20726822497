package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine/conformance"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

func TestGemmAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	be := New()
	for _, sz := range [][3]int{{1, 1, 1}, {7, 17, 5}, {6, 16, 300}, {13, 33, 257}, {64, 10, 128}, {50, 32, 9}, {64, 288, 600}, {3, 40, 20}, {64, 600, 130}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			m, n, k := sz[0], sz[1], sz[2]
			lda, ldb, ldc := k+3, n+1, n+2
			if tr[0] {
				lda = m + 3
			}
			if tr[1] {
				ldb = k + 1
			}
			ar, br := m, k
			if tr[0] {
				ar = k
			}
			if tr[1] {
				br = n
			}
			a, b, c := randSlice(r, ar*lda), randSlice(r, br*ldb), randSlice(r, m*ldc)
			for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
				cc := append([]float32(nil), c...)
				want := conformance.RefGemm(tr[0], tr[1], m, n, k, float64(ab[0]), conformance.F64(a), lda, conformance.F64(b), ldb, float64(ab[1]), conformance.F64(cc), ldc)
				be.sgemm(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], cc, ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						got, w := float64(cc[i*ldc+j]), want[i*n+j]
						if math.Abs(got-w) > 1e-5*float64(k)+1e-5*math.Abs(w) {
							t.Fatalf("m=%d n=%d k=%d trans=%v alpha,beta=%v: C[%d,%d]=%g want %g", m, n, k, tr, ab, i, j, got, w)
						}
					}
				}
				// Padding columns beyond n must be untouched.
				for i := 0; i < m; i++ {
					for j := n; j < ldc; j++ {
						if cc[i*ldc+j] != c[i*ldc+j] {
							t.Fatalf("C[%d,%d] beyond n was written", i, j)
						}
					}
				}
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	be := New()
	for _, sz := range []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"conv2fwd_12544x64x288", 12544, 64, 288, false, true},
		{"conv2bwdfilter_64x288x12544", 64, 288, 12544, true, false},
		{"conv2bwddata_12544x288x64", 12544, 288, 64, false, false},
		{"square_512", 512, 512, 512, false, false},
		{"dense1fwd_64x128x3136", 64, 128, 3136, false, false},
		{"dense1dx_64x3136x128", 64, 3136, 128, false, true},
		{"dense1dw_3136x128x64", 3136, 128, 64, true, false},
		{"mlpfwd_64x128x784", 64, 128, 784, false, false},
		{"mlpdw_784x128x64", 784, 128, 64, true, false},
	} {
		a, bb, c := randSlice(r, sz.m*sz.k), randSlice(r, sz.k*sz.n), make([]float32, sz.m*sz.n)
		lda, ldb := sz.k, sz.n
		if sz.ta {
			lda = sz.m
		}
		if sz.tb {
			ldb = sz.k
		}
		b.Run(fmt.Sprint(sz.name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.sgemm(sz.ta, sz.tb, sz.m, sz.n, sz.k, 1, a, lda, bb, ldb, 0, c, sz.n)
			}
			b.ReportMetric(2*float64(sz.m*sz.n*sz.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
