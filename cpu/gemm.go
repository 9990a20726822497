package cpu

import (
	"fmt"
	"runtime"

	"mnistgpu/engine"
)

// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major. The driver packs a kc-deep
// block of op(B) into nr-wide column panels and, per worker, mr-tall row
// panels of alpha·op(A), then calls the micro-kernel on each mr×nr tile. Work
// is split over row panels only and k is always summed in the same order, so
// the result does not depend on the number of threads.
const (
	mr = 6
	nr = 16
	kc = 256
)

func (be *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	b engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	be.sgemm(transA, transB, m, n, k, alpha, data(a), lda, data(b), ldb, beta, data(c), ldc)
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("cpu: Gemm with negative size m=%d n=%d k=%d", m, n, k))
	case lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1):
		panic(fmt.Sprintf("cpu: Gemm leading dimension too small: lda=%d (≥%d) ldb=%d (≥%d) ldc=%d (≥%d)", lda, ac, ldb, bc, ldc, n))
	case ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac:
		panic(fmt.Sprintf("cpu: Gemm A has %d elements, needs %d", len(a), (ar-1)*lda+ac))
	case br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc:
		panic(fmt.Sprintf("cpu: Gemm B has %d elements, needs %d", len(b), (br-1)*ldb+bc))
	case m > 0 && n > 0 && len(c) < (m-1)*ldc+n:
		panic(fmt.Sprintf("cpu: Gemm C has %d elements, needs %d", len(c), (m-1)*ldc+n))
	}
}

func (be *Backend) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	panels := (n + nr - 1) / nr
	mPanels := (m + mr - 1) / mr
	workers := runtime.GOMAXPROCS(0)
	for len(be.packA) < workers {
		be.packA = append(be.packA, nil)
	}
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		be.packB = grow(be.packB, panels*nr*kb)
		packB(be.packB, b, ldb, transB, p0, kb, n)
		bp := be.packB
		// Chunks of row panels; the chunk index picks the worker's scratch.
		chunk := (mPanels + workers - 1) / workers
		parallelFor(mPanels, chunk, func(lo, hi int) {
			w := lo / chunk
			be.packA[w] = grow(be.packA[w], mr*kb+mr*nr)
			ap, tmp := be.packA[w][:mr*kb], be.packA[w][mr*kb:]
			for ip := lo; ip < hi; ip++ {
				i0 := ip * mr
				rows := min(mr, m-i0)
				packA(ap, a, lda, transA, alpha, i0, rows, p0, kb)
				for jp := 0; jp < panels; jp++ {
					j0 := jp * nr
					cols := min(nr, n-j0)
					panel := bp[jp*nr*kb : (jp+1)*nr*kb]
					if rows == mr && cols == nr {
						kernel(kb, ap, panel, c[i0*ldc+j0:], ldc)
						continue
					}
					clear(tmp)
					kernel(kb, ap, panel, tmp, nr)
					for i := 0; i < rows; i++ {
						dst := c[(i0+i)*ldc+j0 : (i0+i)*ldc+j0+cols]
						for j := range dst {
							dst[j] += tmp[i*nr+j]
						}
					}
				}
			}
		})
	}
}

// packB writes op(B)[p0:p0+kb, :] as panels of nr columns, each kb×nr
// row-major, zero-padded past n.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, n int) {
	panels := (n + nr - 1) / nr
	for jp := 0; jp < panels; jp++ {
		j0 := jp * nr
		cols := min(nr, n-j0)
		out := dst[jp*nr*kb : (jp+1)*nr*kb]
		for p := 0; p < kb; p++ {
			row := out[p*nr : p*nr+nr]
			if trans { // op(B)[p][j] = B[j][p]
				for j := 0; j < cols; j++ {
					row[j] = b[(j0+j)*ldb+p0+p]
				}
			} else {
				copy(row, b[(p0+p)*ldb+j0:(p0+p)*ldb+j0+cols])
			}
			clear(row[cols:])
		}
	}
}

// packA writes alpha·op(A)[i0:i0+rows, p0:p0+kb] as kb groups of mr values,
// zero-padded past rows.
func packA(dst, a []float32, lda int, trans bool, alpha float32, i0, rows, p0, kb int) {
	if rows < mr {
		clear(dst[:mr*kb])
	}
	if trans { // op(A)[i][p] = A[p][i]: row p of A holds the mr values contiguously
		for p := 0; p < kb; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+rows]
			out := dst[p*mr : p*mr+rows]
			for i, v := range src {
				out[i] = alpha * v
			}
		}
		return
	}
	for i := 0; i < rows; i++ {
		row := a[(i0+i)*lda+p0 : (i0+i)*lda+p0+kb]
		for p, v := range row {
			dst[p*mr+i] = alpha * v
		}
	}
}

// kernelGo is the portable micro-kernel:
// c[i*ldc+j] += Σ_p a[p*mr+i]·b[p*nr+j] for i < mr, j < nr.
func kernelGo(k int, a, b, c []float32, ldc int) {
	var acc [mr][nr]float32
	for p := 0; p < k; p++ {
		ap := a[p*mr : p*mr+mr : p*mr+mr]
		bp := b[p*nr : p*nr+nr : p*nr+nr]
		for i := 0; i < mr; i++ {
			ai := ap[i]
			r := &acc[i]
			for j := 0; j < nr; j++ {
				r[j] += ai * bp[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			row[j] += acc[i][j]
		}
	}
}
