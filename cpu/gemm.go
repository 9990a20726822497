package cpu

import (
	"runtime"

	"mnistgpu/engine"
)

// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major. The driver packs a kc-deep
// block of op(B) into nr-wide column panels and, per worker, mr-tall row
// panels of alpha·op(A), then calls the micro-kernel on each mr×nr tile. Work
// is split over row panels only and k is always summed in the same order, so
// the result does not depend on the number of threads.
// kc is the depth of a packed block: a kc×nr B micro-panel stays in L1.
var kc = 256

// mr×nr is the micro-kernel's tile, set by the kernel chosen at start.
var mr, nr = 6, 16

// maxMR and maxNR bound every kernel's tile.
const maxMR, maxNR = 8, 32

func (be *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	b engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	be.sgemm(transA, transB, m, n, k, alpha, data(a), lda, data(b), ldb, beta, data(c), ldc)
}

func (be *Backend) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	engine.CheckGemm("cpu", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
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
	nPanels := (n + nr - 1) / nr
	mPanels := (m + mr - 1) / mr
	workers := runtime.GOMAXPROCS(0)
	for len(be.scratch) < workers {
		be.scratch = append(be.scratch, nil)
	}
	// One fork per call. Workers own whole row panels when C is tall and
	// whole column panels when it is wide, and each packs privately what it
	// needs, so there is no barrier and every C element is summed by one
	// worker in a fixed order: the result does not depend on the split.
	byRows := m >= n && mPanels >= workers || nPanels < workers
	parts := nPanels
	if byRows {
		parts = mPanels
	}
	chunk := (parts + workers - 1) / workers
	parallelFor(parts, chunk, func(lo, hi int) {
		g := gemmTask{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
		g.m0, g.m1, g.n0, g.n1 = 0, mPanels, lo, hi
		if byRows {
			g.m0, g.m1, g.n0, g.n1 = lo, hi, 0, nPanels
		}
		w := lo / chunk
		be.scratch[w] = g.run(be.scratch[w])
	})
}

// gemmTask computes the C tiles of row panels [m0, m1) × column panels [n0, n1).
type gemmTask struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a, b, c        []float32
	lda, ldb, ldc  int
	m0, m1, n0, n1 int
}

// run does the task with scratch memory buf (grown if needed and returned).
func (g *gemmTask) run(buf []float32) []float32 {
	cols := (g.n1 - g.n0) * nr
	buf = grow(buf, cols*kc+mr*kc+mr*nr)
	bp, ap, tmp := buf[:cols*kc], buf[cols*kc:cols*kc+mr*kc], buf[cols*kc+mr*kc:]
	// A(i, p) = a[i*rs + p*ks].
	rs, ks := g.lda, 1
	if g.transA {
		rs, ks = 1, g.lda
	}
	for p0 := 0; p0 < g.k; p0 += kc {
		kb := min(kc, g.k-p0)
		packB(bp, g.b, g.ldb, g.transB, p0, kb, g.n0*nr, min(g.n, g.n1*nr))
		for ip := g.m0; ip < g.m1; ip++ {
			i0 := ip * mr
			rows := min(mr, g.m-i0)
			av, ars, aks := g.a[i0*rs+p0*ks:], rs, ks
			// A full panel is read in place: kb×mr values that stay in L1
			// across the column panels (also when A is transposed and the
			// panel spans kb short runs). The last, partial panel is packed
			// with zero rows so the kernel never reads past A.
			if rows < mr {
				packA(ap, g.a, g.lda, g.transA, i0, rows, p0, kb)
				av, ars, aks = ap, 1, mr
			}
			for jp := g.n0; jp < g.n1; jp++ {
				j0 := jp * nr
				w := min(nr, g.n-j0)
				panel := bp[(jp-g.n0)*nr*kb : (jp-g.n0+1)*nr*kb]
				if rows == mr && w == nr {
					kernel(kb, av, ars, aks, panel, g.c[i0*g.ldc+j0:], g.ldc, g.alpha)
					continue
				}
				clear(tmp)
				kernel(kb, av, ars, aks, panel, tmp, nr, g.alpha)
				for i := 0; i < rows; i++ {
					dst := g.c[(i0+i)*g.ldc+j0 : (i0+i)*g.ldc+j0+w]
					for j := range dst {
						dst[j] += tmp[i*nr+j]
					}
				}
			}
		}
	}
	return buf
}

// packB writes columns [j0, j1) of op(B)[p0:p0+kb, :] as panels of nr
// columns, each kb×nr row-major, zero-padded past j1.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, j1 int) {
	for jp := 0; j0+jp*nr < j1; jp++ {
		c0 := j0 + jp*nr
		cols := min(nr, j1-c0)
		out := dst[jp*nr*kb : (jp+1)*nr*kb]
		for p := 0; p < kb; p++ {
			row := out[p*nr : p*nr+nr]
			if trans { // op(B)[p][j] = B[j][p]
				for j := 0; j < cols; j++ {
					row[j] = b[(c0+j)*ldb+p0+p]
				}
			} else {
				copy(row, b[(p0+p)*ldb+c0:(p0+p)*ldb+c0+cols])
			}
			clear(row[cols:])
		}
	}
}

// packA writes op(A)[i0:i0+rows, p0:p0+kb] as kb groups of mr values,
// zero-padded past rows.
func packA(dst, a []float32, lda int, trans bool, i0, rows, p0, kb int) {
	if rows < mr {
		clear(dst[:mr*kb])
	}
	if trans { // op(A)[i][p] = A[p][i]: each p's values are contiguous
		for p := 0; p < kb; p++ {
			out := dst[p*mr : p*mr+rows]
			src := a[(p0+p)*lda+i0:][:len(out)]
			for i, v := range src {
				out[i] = v
			}
		}
		return
	}
	for i := 0; i < rows; i++ {
		row := a[(i0+i)*lda+p0 : (i0+i)*lda+p0+kb]
		for p, v := range row {
			dst[p*mr+i] = v
		}
	}
}

// kernelGo is the portable micro-kernel:
// c[i*ldc+j] += alpha·Σ_p a[i*rs+p*ks]·b[p*nr+j] for i < mr, j < nr.
func kernelGo(k int, a []float32, rs, ks int, b, c []float32, ldc int, alpha float32) {
	var acc [maxMR][maxNR]float32
	for p := 0; p < k; p++ {
		bp := b[p*nr : p*nr+nr : p*nr+nr]
		for i := 0; i < mr; i++ {
			ai := a[i*rs+p*ks]
			r := acc[i][:nr]
			for j := range r {
				r[j] += ai * bp[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			row[j] += alpha * acc[i][j]
		}
	}
}
