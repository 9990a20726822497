package cpu

import (
	"mnistgpu/engine"
)

// GEMM: C = alpha·op(A)·op(B) + beta·C, row-major. The driver packs a kc-deep
// block of op(B) into nr-wide column panels and calls the micro-kernel on each
// mr×nr tile of C, reading full mr-tall row panels of A in place (the last,
// partial panel is packed). Panels are fixed by (mr, nr) alone and every C
// element sums k in the same order inside one tile, so however the tiles are
// shared among workers the result is the same, bit for bit.
// kc is the depth of a packed block: a kc×nr B micro-panel stays in L1.
var kc = 256

// mr×nr is the micro-kernel's tile, set by the kernel chosen at start.
var mr, nr = 6, 16

// maxMR and maxNR bound every kernel's tile.
const maxMR, maxNR = 8, 32

// parallelGemmFlops: a GEMM of fewer floating-point operations (2·m·n·k)
// runs on the calling goroutine; waking helpers costs more than it saves.
var parallelGemmFlops = 1 << 22

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
	if transB && !transA && beta == 0 && k > 0 && n >= 8*m && !skipZeros {
		// C = A·Bᵀ, wide: packing Bᵀ (k×n) would transpose all of B. Cᵀ =
		// B·Aᵀ reads B in place and packs only A; then Cᵀ is transposed.
		// (Not when the kernel skips A's zeros: a dense layer's dx =
		// dz·Wᵀ has ReLU's gradient as A.) Either way each element sums
		// the same products in the same order.
		be.cT = grow(be.cT, n*m)
		be.sgemm(false, true, n, m, k, alpha, b, ldb, a, lda, 0, be.cT, m)
		t := &be.transposeT
		*t = transposeTask{c: c, ldc: ldc, t: be.cT[:n*m], rows: n, cols: m}
		items := (n + transposeRows - 1) / transposeRows
		if m*n < 2*grainElems {
			items = 1
		}
		if items == 1 {
			transpose(c, ldc, be.cT, 0, n, m)
		} else {
			be.pool().run(t, items)
		}
		*t = transposeTask{}
		return
	}
	g := gemmOp{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	mPanels, nPanels := (m+mr-1)/mr, (n+nr-1)/nr
	pool := be.pool()
	if pool.threads == 1 || 2*m*n*k < parallelGemmFlops {
		be.mem[0].gemm = g.tiles(0, mPanels, 0, nPanels, be.mem[0].gemm)
		return
	}
	// Split C into rb row blocks × cb column blocks, at least one per
	// thread where the panels allow. Every block packs the B panels it uses
	// and reads its rows of A, so among the splits with enough blocks the
	// one that reads least, rb·n + cb·m values per unit of k, wins; then
	// the one with more blocks.
	want := pool.threads
	rb, cb, bestBlocks, bestCost := 1, 1, 0, 0
	for cbTry := 1; cbTry <= min(nPanels, 2*want); cbTry++ {
		for rbTry := 1; rbTry <= min(mPanels, 2*want); rbTry++ {
			blocks, cost := min(want, rbTry*cbTry), rbTry*n+cbTry*m
			if blocks > bestBlocks || blocks == bestBlocks && (cost < bestCost || cost == bestCost && rbTry*cbTry > rb*cb) {
				rb, cb, bestBlocks, bestCost = rbTry, cbTry, blocks, cost
			}
		}
	}
	be.reserve(gemmScratch((nPanels+cb-1)/cb*nr), 0)
	t := &be.gemmTask
	*t = gemmTask{g: g, rb: rb, cb: cb, mPanels: mPanels, nPanels: nPanels, mem: be.mem}
	pool.run(t, rb*cb)
	*t = gemmTask{}
}

// transposeRows is the number of rows of t one transposeTask item takes.
const transposeRows = 256

// transposeTask: item i writes rows [i·transposeRows, …) of t (rows×cols) as
// columns of c (cols×rows, row stride ldc).
type transposeTask struct {
	c, t            []float32
	ldc, rows, cols int
}

func (t *transposeTask) do(_, i int) {
	transpose(t.c, t.ldc, t.t, i*transposeRows, min(t.rows, (i+1)*transposeRows), t.cols)
}

// transpose writes rows [r0, r1) of t (… × cols) as columns of c (row stride
// ldc), in 8×8 blocks.
func transpose(c []float32, ldc int, t []float32, r0, r1, cols int) {
	rows := r1
	for i0 := r0; i0 < rows; i0 += 8 {
		for j0 := 0; j0 < cols; j0 += 8 {
			for i := i0; i < min(rows, i0+8); i++ {
				src := t[i*cols+j0 : i*cols+min(cols, j0+8)]
				for j, v := range src {
					c[(j0+j)*ldc+i] = v
				}
			}
		}
	}
}

// gemmOp is one GEMM's operands.
type gemmOp struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// gemmTask shares a GEMM's tiles among workers: item i is row block i/cb
// and column block i%cb.
type gemmTask struct {
	g                        gemmOp
	rb, cb, mPanels, nPanels int
	mem                      []workerMem
}

func (t *gemmTask) do(w, i int) {
	r, c := i/t.cb, i%t.cb
	m0, m1 := r*t.mPanels/t.rb, (r+1)*t.mPanels/t.rb
	n0, n1 := c*t.nPanels/t.cb, (c+1)*t.nPanels/t.cb
	t.mem[w].gemm = t.g.tiles(m0, m1, n0, n1, t.mem[w].gemm)
}

// tiles computes the C tiles of row panels [m0, m1) × column panels
// [n0, n1) with scratch memory buf (grown if needed and returned): beta first,
// then the whole of k.
func (g *gemmOp) tiles(m0, m1, n0, n1 int, buf []float32) []float32 {
	if m0 >= m1 || n0 >= n1 {
		return buf
	}
	i0, i1 := m0*mr, min(g.m, m1*mr)
	j0, j1 := n0*nr, min(g.n, n1*nr)
	// With beta 0 and some k, the first block of k overwrites C.
	overwrite := g.beta == 0 && g.k > 0 && g.alpha != 0
	if g.beta != 1 && !overwrite {
		for i := i0; i < i1; i++ {
			row := g.c[i*g.ldc+j0 : i*g.ldc+j1]
			if g.beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= g.beta
				}
			}
		}
	}
	if g.k == 0 || g.alpha == 0 {
		return buf
	}
	cols := (n1 - n0) * nr
	buf = grow(buf, gemmScratch(cols))
	bp, ap, tmp := buf[:cols*kc], buf[cols*kc:cols*kc+mr*kc], buf[cols*kc+mr*kc:cols*kc+mr*kc+mr*nr]
	nz := buf[cols*kc+mr*kc+mr*nr:]
	// A(i, p) = a[i*rs + p*ks].
	rs, ks := g.lda, 1
	if g.transA {
		rs, ks = 1, g.lda
	}
	last := (n1-1)*nr < j1 && j1 < n1*nr // the last column panel is partial
	for p0 := 0; p0 < g.k; p0 += kc {
		kb := min(kc, g.k-p0)
		var panels bPanels
		if g.transB {
			packB(bp, g.b, g.ldb, true, p0, kb, j0, j1)
			panels = bPanels{b: bp, step: nr * kb, ldb: nr}
			panels.finite = skipZeros && allFinite(bp, nr, kb*(n1-n0), nr)
		} else { // B's rows are read in place; only a partial panel is packed
			panels = bPanels{b: g.b[p0*g.ldb+j0:], step: nr, ldb: g.ldb}
			panels.finite = skipZeros && allFinite(panels.b, g.ldb, kb, j1-j0)
			if last {
				packB(bp, g.b, g.ldb, false, p0, kb, (n1-1)*nr, j1)
				panels.last = bp[:nr*kb]
			}
		}
		macroKernel(g.alpha, g.a, rs, ks, p0, kb, m0, m1, g.m, panels, n0, n1, g.n, g.c, g.ldc, overwrite && p0 == 0, ap, tmp, nz)
	}
	return buf
}

// bPanels locates the column panels n0 … n1-1 of a kb-deep block of op(B):
// panel n0+j starts at b[j·step] with row stride ldb, except that a partial
// last panel is at last (packed: row stride nr, zero-padded) when last is set.
// finite says the block holds no infinity or NaN and the portable kernel may
// skip A's zeros (kernel_nonzero.go); it is set only when skipZeros.
type bPanels struct {
	b         []float32
	step, ldb int
	last      []float32
	finite    bool
}

// macroKernel adds alpha·A(rows, p0:p0+kb)·B to the C tiles of row panels
// [m0, m1) × column panels [n0, n1) (with overwrite, sets them to it);
// A(i, p) = a[i*rs+p*ks], B's panels are located by bp, m and n bound the
// rows and columns of C. ap (mr·kc), tmp (mr·nr) and nz (nonZeroScratch)
// are scratch.
func macroKernel(alpha float32, a []float32, rs, ks, p0, kb, m0, m1, m int, bp bPanels,
	n0, n1, n int, c []float32, ldc int, overwrite bool, ap, tmp, nz []float32) {
	var z nonZeroRows
	for ip := m0; ip < m1; ip++ {
		i0 := ip * mr
		rows := min(mr, m-i0)
		av, ars, aks := a[i0*rs+p0*ks:], rs, ks
		if bp.finite && nonZeroFits(kb, bp.ldb) {
			// The portable kernel over A's non-zero values, read in
			// place. A partial last panel of B is read where the others
			// are (not from last): the kernel computes only the rows × w
			// corner of each tile, so it reads no column past B's.
			collectNonZero(&z, nz, av, rs, ks, rows, kb, bp.ldb)
			for jp := n0; jp < n1; jp++ {
				j0 := jp * nr
				kernelGoNonZero(&z, bp.b[(jp-n0)*bp.step:], bp.ldb, c[i0*ldc+j0:], ldc, rows, min(nr, n-j0), alpha, overwrite)
			}
			continue
		}
		// A full panel is read in place: kb×mr values that stay in L1
		// across the column panels (also when A is transposed and the
		// panel spans kb short runs). The last, partial panel is packed
		// with zero rows so the kernel never reads past A.
		if rows < mr {
			packA(ap, a, rs, ks, i0, rows, p0, kb)
			av, ars, aks = ap, 1, mr
		}
		for jp := n0; jp < n1; jp++ {
			j0 := jp * nr
			w := min(nr, n-j0)
			panel, ldb := bp.b[(jp-n0)*bp.step:], bp.ldb
			if jp == n1-1 && bp.last != nil {
				panel, ldb = bp.last, nr
			}
			if rows == mr && w == nr {
				kernel(kb, av, ars, aks, panel, ldb, c[i0*ldc+j0:], ldc, alpha, overwrite)
				continue
			}
			kernel(kb, av, ars, aks, panel, ldb, tmp, nr, alpha, true)
			for i := 0; i < rows; i++ {
				dst := c[(i0+i)*ldc+j0 : (i0+i)*ldc+j0+w]
				if overwrite {
					copy(dst, tmp[i*nr:])
					continue
				}
				addTo(dst, tmp[i*nr:i*nr+w])
			}
		}
	}
}

// packB writes columns [j0, j1) of op(B)[p0:p0+kb, :] as panels of nr
// columns, each kb×nr row-major, zero-padded past j1.
func packB(dst, b []float32, ldb int, trans bool, p0, kb, j0, j1 int) {
	for jp := 0; j0+jp*nr < j1; jp++ {
		c0 := j0 + jp*nr
		cols := min(nr, j1-c0)
		out := dst[jp*nr*kb : (jp+1)*nr*kb]
		if trans { // op(B)[p][j] = B[j][p]: eight B rows at a time, so that
			// each p writes eight adjacent values
			if cols < nr {
				clear(out)
			}
			j := 0
			for ; j+8 <= cols; j += 8 {
				r0, r1 := b[(c0+j)*ldb+p0:][:kb], b[(c0+j+1)*ldb+p0:][:kb]
				r2, r3 := b[(c0+j+2)*ldb+p0:][:kb], b[(c0+j+3)*ldb+p0:][:kb]
				r4, r5 := b[(c0+j+4)*ldb+p0:][:kb], b[(c0+j+5)*ldb+p0:][:kb]
				r6, r7 := b[(c0+j+6)*ldb+p0:][:kb], b[(c0+j+7)*ldb+p0:][:kb]
				for p := range r0 {
					o := out[p*nr+j : p*nr+j+8 : p*nr+j+8]
					o[0], o[1], o[2], o[3] = r0[p], r1[p], r2[p], r3[p]
					o[4], o[5], o[6], o[7] = r4[p], r5[p], r6[p], r7[p]
				}
			}
			for ; j < cols; j++ {
				src := b[(c0+j)*ldb+p0:][:kb]
				for p, v := range src {
					out[p*nr+j] = v
				}
			}
			continue
		}
		for p := 0; p < kb; p++ {
			row := out[p*nr : p*nr+nr]
			copy(row, b[(p0+p)*ldb+c0:(p0+p)*ldb+c0+cols])
			clear(row[cols:])
		}
	}
}

// packA writes A[i0:i0+rows, p0:p0+kb], A(i, p) = a[i*rs+p*ks], as kb groups
// of mr values, zero-padded past rows.
func packA(dst, a []float32, rs, ks, i0, rows, p0, kb int) {
	if rows < mr {
		clear(dst[:mr*kb])
	}
	if rs == 1 { // each p's values are contiguous
		for p := 0; p < kb; p++ {
			out := dst[p*mr : p*mr+rows]
			src := a[i0+(p0+p)*ks:][:len(out)]
			copy(out, src)
		}
		return
	}
	for i := 0; i < rows; i++ {
		row := a[(i0+i)*rs+p0*ks:]
		for p := 0; p < kb; p++ {
			dst[p*mr+i] = row[p*ks]
		}
	}
}
