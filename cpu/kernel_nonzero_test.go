package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmPlain is the portable GEMM's contract as a plain loop: beta applied
// first (C zeroed for beta 0), then for each kc-deep block of k a sum from
// zero in k order, scaled by alpha and stored (the first block, beta 0) or
// added.
func gemmPlain(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float32 {
		if transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	bt := func(p, j int) float32 {
		if transB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	overwrite := beta == 0 && k > 0 && alpha != 0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			e := &c[i*ldc+j]
			if beta != 1 && !overwrite {
				if beta == 0 {
					*e = 0
				} else {
					*e *= beta
				}
			}
			if k == 0 || alpha == 0 {
				continue
			}
			for p0 := 0; p0 < k; p0 += kc {
				var s float32
				for p := p0; p < min(k, p0+kc); p++ {
					s += at(i, p) * bt(p, j)
				}
				if overwrite && p0 == 0 {
					*e = alpha * s
				} else {
					*e += alpha * s
				}
			}
		}
	}
}

// sparseSlice is randSlice with about frac of the values zero, half of
// them −0.
func sparseSlice(r *rand.Rand, n int, frac float64) []float32 {
	s := randSlice(r, n)
	for i := range s {
		if r.Float64() < frac {
			s[i] = 0
			if r.IntN(2) == 0 {
				s[i] = float32(math.Copysign(0, -1))
			}
		}
	}
	return s
}

// Skipping A's zeros gives the plain loop's bits: every shape the driver
// cuts (partial tiles, partial B panels read in place, several kc blocks,
// A transposed or not, B packed or in place), A with +0 and −0 among its
// values, each alpha and beta form. With an infinity or a NaN in B the driver
// must not skip (0·Inf is NaN): the portable kernel then gives the plain
// loop's NaNs (make test runs this with -tags noasm).
func TestSkippingZerosKeepsBits(t *testing.T) {
	saved := skipZeros
	defer func() { skipZeros = saved }()
	r := rand.New(rand.NewPCG(7, 8))
	be := New()
	defer be.Close()
	for _, sz := range [][3]int{{1, 1, 1}, {7, 17, 5}, {6, 16, 300}, {13, 9, 257}, {64, 288, 196}, {50, 32, 9}, {5, 40, 20}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			m, n, k := sz[0], sz[1], sz[2]
			lda, ldb, ldc := k+3, n+1, n+2
			ar, br := m, k
			if tr[0] {
				lda, ar = m+3, k
			}
			if tr[1] {
				ldb, br = k+1, n
			}
			a, b, c := sparseSlice(r, ar*lda, 0.7), randSlice(r, br*ldb), randSlice(r, m*ldc)
			for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
				skipZeros = true
				got := append([]float32(nil), c...)
				be.sgemm(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
				want := append([]float32(nil), c...)
				gemmPlain(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
				sameBits(t, fmt.Sprintf("%v trans %v alpha,beta %v, finite B: C", sz, tr, ab), got, want)

				// An infinity and a NaN in each kc block of op(B), which
				// zeros of A meet: the plain loop's NaNs too. (With an
				// assembly kernel the driver's dense path has its bits.)
				if !portableKernel {
					continue
				}
				bad := append([]float32(nil), b...)
				for p0 := 0; p0 < k; p0 += kc {
					for _, v := range []float64{math.Inf(1), math.NaN()} {
						p, j := p0+r.IntN(min(kc, k-p0)), r.IntN(n) // op(B)(p, j)
						if tr[1] {
							bad[j*ldb+p] = float32(v)
						} else {
							bad[p*ldb+j] = float32(v)
						}
					}
				}
				got = append(got[:0], c...)
				be.sgemm(tr[0], tr[1], m, n, k, ab[0], a, lda, bad, ldb, ab[1], got, ldc)
				want = append(want[:0], c...)
				gemmPlain(tr[0], tr[1], m, n, k, ab[0], a, lda, bad, ldb, ab[1], want, ldc)
				sameBits(t, fmt.Sprintf("%v trans %v alpha,beta %v, B with Inf and NaN: C", sz, tr, ab), got, want)
			}
		}
	}
}

// The non-zero values of a row are collected in k order with their B row
// offsets, from A by rows and by columns.
func TestCollectNonZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	// A is 2×5 by rows (rs 5, ks 1), and its transpose by columns.
	rowsA := []float32{0, 1.5, negZero, -2, 0, 3, 0, 0, 0, 4}
	colsA := make([]float32, 10)
	for i := 0; i < 2; i++ {
		for p := 0; p < 5; p++ {
			colsA[p*2+i] = rowsA[i*5+p]
		}
	}
	want := [][]nzEntry{{{1.5, 1 * 28}, {-2, 3 * 28}}, {{3, 0}, {4, 4 * 28}}}
	for _, layout := range []struct {
		name   string
		a      []float32
		rs, ks int
	}{{"rows", rowsA, 5, 1}, {"columns", colsA, 1, 2}} {
		var z nonZeroRows
		collectNonZero(&z, make([]float32, nonZeroScratch()), layout.a, layout.rs, layout.ks, 2, 5, 7)
		for i, w := range want {
			got := z.e[i*z.k : i*z.k+z.n[i]]
			if len(got) != len(w) {
				t.Fatalf("%s: row %d has %d non-zeros %v, want %v", layout.name, i, len(got), got, w)
			}
			for e := range w {
				if got[e] != w[e] {
					t.Fatalf("%s: row %d entry %d = %v, want %v", layout.name, i, e, got[e], w[e])
				}
			}
		}
	}
}

func TestAllFinite(t *testing.T) {
	b := []float32{1, 2, 3, 4, 5, 6}
	if !allFinite(b, 3, 2, 3) {
		t.Fatal("finite values reported as not finite")
	}
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		for e := range b {
			bad := append([]float32(nil), b...)
			bad[e] = float32(v)
			if allFinite(bad, 3, 2, 3) {
				t.Fatalf("%g at %d not found", v, e)
			}
			// Outside the kb×cols block (column 2 of a 2-column block)
			// it does not count.
			if e%3 == 2 && !allFinite(bad, 3, 2, 2) {
				t.Fatalf("%g at %d, outside the block, counted", v, e)
			}
		}
	}
	if !allFinite([]float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}, 1, 3, 1) {
		t.Fatal("the largest and smallest finite values reported as not finite")
	}
}
