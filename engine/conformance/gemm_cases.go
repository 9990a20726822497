package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// GEMM: odd sizes, the report's dense shapes, all transposes, alpha/beta,
// and ldc > n so writes past n are caught.
func gemmCases(r *rand.Rand) []kase {
	var ks []kase
	for _, s := range [][3]int{{1, 1, 1}, {7, 17, 5}, {64, 128, 3136}, {64, 10, 128}, {13, 33, 257}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {-0.5, 1.5}} {
				m, n, k := s[0], s[1], s[2]
				lda, ldb, ldc := k, n, n+3
				ar, br := m, k
				if tr[0] {
					lda, ar = m, k
				}
				if tr[1] {
					ldb, br = k, n
				}
				ta, tb, alpha, beta := tr[0], tr[1], ab[0], ab[1]
				kk := kase{op: "Gemm", shape: fmt.Sprintf("%dx%dx%d tA=%v tB=%v a=%g b=%g", m, n, k, ta, tb, alpha, beta),
					atol: sumAtol * math.Sqrt(float64(k)), rtol: sumRtol,
					init:  [][]float32{randVec(r, ar*lda, -1, 1), randVec(r, br*ldb, -1, 1), randVec(r, m*ldc, -1, 1)},
					check: []int{2},
					run: func(b engine.Backend, x []engine.Buffer) {
						b.Gemm(ta, tb, m, n, k, alpha, x[0], lda, x[1], ldb, beta, x[2], ldc)
					}}
				if beta == 0 {
					kk.poison = []int{2}
				}
				ks = append(ks, kk)
			}
		}
	}
	return ks
}
