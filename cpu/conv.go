package cpu

import "mnistgpu/engine"

// Convolution as im2col + GEMM over NHWC input and KRSC filters.
// cols is P×Q with P = n·OH·OW output pixels and Q = R·S·C, ordered (r, s, c),
// which is also the inner order of a KRSC filter, so
//
//	forward:         y(P×K)   = cols(P×Q) · wᵀ          (w is K×Q)
//	backward filter: dw(K×Q)  = Σ_blocks dyᵀ(K×P_b) · cols(P_b×Q)
//	backward data:   dcols    = dy(P×K) · w(K×Q), then col2im sums into dx.
//
// The batch is cut into blocks of samples and each worker takes a block
// through im2col and its GEMM while the block's cols are in its cache; cols
// never exist for the whole batch. Forward and backward data compute every
// output inside one block. The filter gradient is a sum over the batch: each
// block writes its own partial dw, and the partials are added in block order.
// Block sizes depend on the layer's shape only, never on the thread count, so
// the bits are the same for any number of workers.

// blockFloats bounds a block's working set (its cols and its output rows),
// in floats: 256 KiB, well inside a core's L2.
const blockFloats = 1 << 16

// filterBlockRows is the least number of output pixels summed into one
// partial filter gradient: fewer rows mean more partials to add up.
const filterBlockRows = 768

// convBlock is the number of samples per block of the forward and
// backward-data passes.
func convBlock(p engine.ConvParams) int {
	per := p.OH * p.OW * (p.R*p.S*p.C + p.K)
	return max(1, blockFloats/max(per, 1))
}

// filterBlock is the number of samples per partial filter gradient.
func filterBlock(p engine.ConvParams) int {
	pix := p.OH * p.OW
	return max(1, (filterBlockRows+pix-1)/pix)
}

func (be *Backend) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	q := p.R * p.S * p.C
	pool := be.pool()
	// op(B) = wᵀ (Q×K) is packed once and read by every block.
	be.packed = packAll(be.packed, data(w), q, true, q, p.K)
	finite := skipZeros && allFinite(be.packed, nr, len(be.packed)/nr, nr)
	be.reserve(gemmScratch(0), convBlock(p)*p.OH*p.OW*q)
	t := &be.conv
	*t = convTask{p: p, finite: finite, x: data(x), w: data(w), y: data(y), bp: be.packed, mem: be.mem, block: convBlock(p)}
	pool.run(convForward{t}, (p.N+t.block-1)/t.block)
	*t = convTask{}
}

func (be *Backend) Conv2DBackwardData(p engine.ConvParams, dy, w, dx engine.Buffer) {
	q := p.R * p.S * p.C
	pool := be.pool()
	// op(B) = w (K×Q) is packed once and read by every block.
	be.packed = packAll(be.packed, data(w), q, false, p.K, q)
	finite := skipZeros && allFinite(be.packed, nr, len(be.packed)/nr, nr)
	be.reserve(gemmScratch(0), convBlock(p)*p.OH*p.OW*q)
	t := &be.conv
	*t = convTask{p: p, finite: finite, x: data(dx), w: data(w), y: data(dy), bp: be.packed, mem: be.mem, block: convBlock(p)}
	pool.run(convBackwardData{t}, (p.N+t.block-1)/t.block)
	*t = convTask{}
}

func (be *Backend) Conv2DBackwardFilter(p engine.ConvParams, x, dy, dw engine.Buffer) {
	q := p.R * p.S * p.C
	pool := be.pool()
	block := filterBlock(p)
	blocks := (p.N + block - 1) / block
	size := p.K * q
	be.partial = grow(be.partial, blocks*size)
	be.reserve(gemmScratch((max(q, p.K)+nr-1)/nr*nr), p.OH*p.OW*q)
	t := &be.conv
	*t = convTask{p: p, x: data(x), y: data(dy), mem: be.mem, block: block, partial: be.partial,
		transposed: filterTransposed(p)}
	pool.run(convBackwardFilter{t}, blocks)
	r := &be.reduce
	*r = reduceTask{parts: be.partial[:blocks*size], size: size, dst: data(dw)[:size]}
	if t.transposed {
		r.rows, r.cols = q, p.K
	}
	pool.run(r, (size+reduceGrain-1)/reduceGrain)
	*r, *t = reduceTask{}, convTask{}
}

// convTask is one convolution call's operands, shared by its passes.
type convTask struct {
	p          engine.ConvParams
	x, w, y    []float32 // x/dx, w, y/dy
	bp         []float32 // packed op(B)
	finite     bool      // bp holds no infinity or NaN (checked when skipZeros)
	mem        []workerMem
	block      int       // samples per item
	partial    []float32 // per-block filter gradients
	transposed bool      // partials are dwᵀ (Q×K)
}

// samples returns item i's first sample and count.
func (t *convTask) samples(i int) (n0, nb int) {
	n0 = i * t.block
	return n0, min(t.block, t.p.N-n0)
}

type convForward struct{ *convTask }

// do: y[block] = im2col(x[block]) · wᵀ.
func (t convForward) do(w, i int) {
	p := t.p
	q := p.R * p.S * p.C
	n0, nb := t.samples(i)
	rows := nb * p.OH * p.OW
	m := &t.mem[w]
	m.cols = grow(m.cols, rows*q)
	y := t.y[n0*p.OH*p.OW*p.K : (n0+nb)*p.OH*p.OW*p.K]
	if colsTransposed(p) {
		im2colT(p, n0, nb, t.x, m.cols)
		m.gemm = packedGemm(rows, p.K, q, m.cols, 1, rows, 1, t.bp, t.finite, y, p.K, m.gemm)
		return
	}
	im2col(p, n0, nb, t.x, m.cols)
	m.gemm = packedGemm(rows, p.K, q, m.cols, q, 1, 1, t.bp, t.finite, y, p.K, m.gemm)
}

type convBackwardData struct{ *convTask }

// do: dx[block] = col2im(dy[block] · w).
func (t convBackwardData) do(w, i int) {
	p := t.p
	q := p.R * p.S * p.C
	n0, nb := t.samples(i)
	rows := nb * p.OH * p.OW
	m := &t.mem[w]
	m.cols = grow(m.cols, rows*q)
	dy := t.y[n0*p.OH*p.OW*p.K:]
	m.gemm = packedGemm(rows, q, p.K, dy, p.K, 1, 1, t.bp, t.finite, m.cols, q, m.gemm)
	col2im(p, n0, nb, m.cols, t.x)
}

type convBackwardFilter struct{ *convTask }

// do: partial[i] = Σ over the block's samples, in order, of dyᵀ·cols (or
// colsᵀ·dy when transposed), one sample's cols at a time.
func (t convBackwardFilter) do(w, i int) {
	p := t.p
	q := p.R * p.S * p.C
	n0, nb := t.samples(i)
	pix := p.OH * p.OW
	m := &t.mem[w]
	m.cols = grow(m.cols, pix*q)
	part := t.partial[i*p.K*q : (i+1)*p.K*q]
	colsT := colsTransposed(p)
	for n := n0; n < n0+nb; n++ {
		// cols is pix×Q, or Q×pix when colsT; colsT flips its transA/B.
		ld := q
		if colsT {
			im2colT(p, n, 1, t.x, m.cols)
			ld = pix
		} else {
			im2col(p, n, 1, t.x, m.cols)
		}
		dy := t.y[n*pix*p.K : (n+1)*pix*p.K]
		beta := float32(1)
		if n == n0 {
			beta = 0
		}
		var g gemmOp
		if t.transposed { // partᵀ(Q×K) += colsᵀ·dy
			g = gemmOp{transA: !colsT, m: q, n: p.K, k: pix, alpha: 1, beta: beta, a: m.cols, lda: ld, b: dy, ldb: p.K, c: part, ldc: p.K}
		} else { // part(K×Q) += dyᵀ·cols
			g = gemmOp{transA: true, transB: colsT, m: p.K, n: q, k: pix, alpha: 1, beta: beta, a: dy, lda: p.K, b: m.cols, ldb: ld, c: part, ldc: q}
		}
		m.gemm = g.tiles(0, (g.m+mr-1)/mr, 0, (g.n+nr-1)/nr, m.gemm)
	}
}

// reduceGrain is the number of gradient values one reduction item sums.
const reduceGrain = 4096

// reduceTask sets dst to the sum, in block order, of the size-value partials
// in parts (overwriting the first). With rows×cols set, each partial is the
// transpose (rows×cols) of dst (cols×rows).
type reduceTask struct {
	parts      []float32
	size       int
	dst        []float32
	rows, cols int
}

func (r *reduceTask) do(_, i int) {
	lo, hi := i*reduceGrain, min(r.size, (i+1)*reduceGrain)
	blocks := len(r.parts) / r.size
	acc := r.parts[lo:hi] // block 0's partial becomes the sum
	for b := 1; b < blocks; b++ {
		addTo(acc, r.parts[b*r.size+lo:b*r.size+hi])
	}
	if r.rows == 0 {
		copy(r.dst[lo:hi], acc)
		return
	}
	for e, v := range acc { // part(i, k) → dst(k, i)
		i, k := (lo+e)/r.cols, (lo+e)%r.cols
		r.dst[k*r.rows+i] = v
	}
}

// packAll packs the whole of op(B) (k×n; B is n×k when trans) for
// packedGemm: for each kc-deep block p0, its panels at dst[p0·np·nr:].
func packAll(dst, b []float32, ldb int, trans bool, k, n int) []float32 {
	np := (n + nr - 1) / nr
	dst = grow(dst, k*np*nr)
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		packB(dst[p0*np*nr:], b, ldb, trans, p0, kb, 0, n)
	}
	return dst
}

// packedGemm sets c (m×n, row stride ldc) to alpha·A·op(B), A(i, p) =
// a[i*rs+p*ks], op(B) packed by packAll; k > 0. finite says op(B) holds no
// infinity or NaN (bPanels). buf is scratch (grown and returned).
func packedGemm(m, n, k int, a []float32, rs, ks int, alpha float32, bp []float32, finite bool, c []float32, ldc int, buf []float32) []float32 {
	buf = grow(buf, gemmScratch(0))
	ap, tmp, nz := buf[:mr*kc], buf[mr*kc:mr*kc+mr*nr], buf[mr*kc+mr*nr:]
	np := (n + nr - 1) / nr
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		panels := bPanels{b: bp[p0*np*nr : p0*np*nr+kb*np*nr], step: nr * kb, ldb: nr, finite: finite}
		macroKernel(alpha, a, rs, ks, p0, kb, 0, (m+mr-1)/mr, m, panels, 0, np, n, c, ldc, p0 == 0, ap, tmp, nz)
	}
	return buf
}

// im2col fills cols (nb·OH·OW × R·S·C) from NHWC images n0 … n0+nb-1 of x;
// padding is zero.
func im2col(p engine.ConvParams, n0, nb int, x, cols []float32) {
	q, sc := p.R*p.S*p.C, p.S*p.C
	for nr := 0; nr < nb*p.OH; nr++ {
		n, oh := n0+nr/p.OH, nr%p.OH
		img := x[n*p.H*p.W*p.C : (n+1)*p.H*p.W*p.C]
		for ow := 0; ow < p.OW; ow++ {
			dst := cols[(nr*p.OW+ow)*q : (nr*p.OW+ow+1)*q]
			iw0 := ow*p.SW - p.PadLeft
			inside := iw0 >= 0 && iw0+p.S <= p.W
			for r := 0; r < p.R; r++ {
				ih := oh*p.SH + r - p.PadTop
				seg := dst[r*sc : (r+1)*sc]
				if ih < 0 || ih >= p.H {
					clear(seg)
					continue
				}
				if inside { // the S taps of row r are S adjacent pixels: one run
					src := img[(ih*p.W+iw0)*p.C:][:sc]
					if sc >= 16 {
						copy(seg, src)
						continue
					}
					for j, v := range src {
						seg[j] = v
					}
					continue
				}
				for s := 0; s < p.S; s++ {
					iw := iw0 + s
					cell := seg[s*p.C : (s+1)*p.C]
					if iw < 0 || iw >= p.W {
						clear(cell)
						continue
					}
					copy(cell, img[(ih*p.W+iw)*p.C:])
				}
			}
		}
	}
}

// colsTransposed says whether the forward and filter passes build cols
// transposed (Q×P): with one input channel each row of colsᵀ is a run of
// shifted input rows, copied whole, where cols would take R·S scattered
// values per pixel.
func colsTransposed(p engine.ConvParams) bool { return p.C == 1 }

// im2colT fills colsT (R·S·C × nb·OH·OW) from NHWC images n0 … n0+nb-1 of x,
// for C = 1: colsT[(r·S+s)·P + pixel] = x at the pixel's tap (r, s), 0 in
// the padding.
func im2colT(p engine.ConvParams, n0, nb int, x, colsT []float32) {
	pix := nb * p.OH * p.OW
	for r := 0; r < p.R; r++ {
		for s := 0; s < p.S; s++ {
			row := colsT[(r*p.S+s)*pix : (r*p.S+s+1)*pix]
			// Output columns [lo, hi) read inside the image: iw = ow·SW + s - PadLeft.
			lo := min(p.OW, max(0, (p.PadLeft-s+p.SW-1)/p.SW))
			hi := max(lo, min(p.OW, (p.W+p.PadLeft-s+p.SW-1)/p.SW))
			for nr := 0; nr < nb*p.OH; nr++ {
				n, oh := n0+nr/p.OH, nr%p.OH
				dst := row[nr*p.OW : (nr+1)*p.OW]
				ih := oh*p.SH + r - p.PadTop
				if ih < 0 || ih >= p.H {
					clear(dst)
					continue
				}
				clear(dst[:lo])
				clear(dst[hi:])
				src := x[(n*p.H+ih)*p.W:]
				if p.SW == 1 {
					copy(dst[lo:hi], src[lo+s-p.PadLeft:])
					continue
				}
				for ow := lo; ow < hi; ow++ {
					dst[ow] = src[ow*p.SW+s-p.PadLeft]
				}
			}
		}
	}
}

// col2im sets dx of images n0 … n0+nb-1 to the sum of every cols entry
// (cols holds those images' rows only) over the input pixel it was read from.
func col2im(p engine.ConvParams, n0, nb int, cols, dx []float32) {
	q, sc := p.R*p.S*p.C, p.S*p.C
	for n := 0; n < nb; n++ {
		img := dx[(n0+n)*p.H*p.W*p.C : (n0+n+1)*p.H*p.W*p.C]
		clear(img)
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				src := cols[((n*p.OH+oh)*p.OW+ow)*q:][:q]
				iw0 := ow*p.SW - p.PadLeft
				inside := iw0 >= 0 && iw0+p.S <= p.W
				for r := 0; r < p.R; r++ {
					ih := oh*p.SH + r - p.PadTop
					if ih < 0 || ih >= p.H {
						continue
					}
					if inside { // one run of S·C values
						addTo(img[(ih*p.W+iw0)*p.C:][:sc], src[r*sc:(r+1)*sc])
						continue
					}
					for s := 0; s < p.S; s++ {
						iw := iw0 + s
						if iw < 0 || iw >= p.W {
							continue
						}
						addTo(img[(ih*p.W+iw)*p.C:][:p.C], src[(r*p.S+s)*p.C:][:p.C])
					}
				}
			}
		}
	}
}

// filterTransposed says whether the filter gradient is computed as
// dwᵀ(Q×K) = colsᵀ·dy rather than dw(K×Q) = dyᵀ·cols. The transposed form
// reads cols in place as the A operand and packs only dy, and it fills the
// kernel's lanes when the patch is narrow (conv1: Q = 9 < 32); it wastes
// lanes when K does not fill whole column panels. The portable kernel takes
// dyᵀ as A, whose zeros (most of a gradient below a max pool) it skips. Both
// forms sum each dw element over the same pixels in the same order, so they
// give the same bits.
func filterTransposed(p engine.ConvParams) bool {
	q := p.R * p.S * p.C
	return transposeFilter && !skipZeros && (q < nr && p.K >= q || p.K%nr == 0)
}

// transposeFilter enables the dwᵀ form (a switch for side-by-side
// benchmarks).
var transposeFilter = true
