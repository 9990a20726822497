package cpu

import "mnistgpu/engine"

// Convolution as im2col + GEMM over NHWC input and KRSC filters.
// cols is P×Q with P = n·OH·OW output pixels and Q = R·S·C, ordered (r, s, c),
// which is also the inner order of a KRSC filter, so
//
//	forward:         y(P×K)   = cols(P×Q) · wᵀ          (w is K×Q)
//	backward filter: dw(K×Q) += dyᵀ(K×P) · cols(P×Q)
//	backward data:   dcols    = dy(P×K) · w(K×Q), then col2im sums into dx.
//
// Images are processed in chunks so that cols stays under maxColsFloats.
const maxColsFloats = 1 << 23

func chunkImages(p engine.ConvParams) int {
	per := p.OH * p.OW * p.R * p.S * p.C
	c := maxColsFloats / max(per, 1)
	return max(1, min(c, p.N))
}

func (be *Backend) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	xd, wd, yd := data(x), data(w), data(y)
	q := p.R * p.S * p.C
	inImg, outImg := p.H*p.W*p.C, p.OH*p.OW*p.K
	step := chunkImages(p)
	for n0 := 0; n0 < p.N; n0 += step {
		nb := min(step, p.N-n0)
		rows := nb * p.OH * p.OW
		be.cols = grow(be.cols, rows*q)
		im2col(p, nb, xd[n0*inImg:(n0+nb)*inImg], be.cols)
		be.sgemm(false, true, rows, p.K, q, 1, be.cols, q, wd, q, 0, yd[n0*outImg:(n0+nb)*outImg], p.K)
	}
}

func (be *Backend) Conv2DBackwardFilter(p engine.ConvParams, x, dy, dw engine.Buffer) {
	xd, dyd, dwd := data(x), data(dy), data(dw)
	q := p.R * p.S * p.C
	inImg, outImg := p.H*p.W*p.C, p.OH*p.OW*p.K
	// A patch narrower than the kernel's tile (conv1: q = 9 < 32) would waste
	// most lanes as dw = dyᵀ·cols; dwᵀ = colsᵀ·dy fills them, then is transposed.
	transposed := narrowTranspose && q < nr && p.K >= q
	acc := dwd
	if transposed {
		be.dwT = grow(be.dwT, q*p.K)
		acc = be.dwT
	}
	step := chunkImages(p)
	for n0 := 0; n0 < p.N; n0 += step {
		nb := min(step, p.N-n0)
		rows := nb * p.OH * p.OW
		be.cols = grow(be.cols, rows*q)
		im2col(p, nb, xd[n0*inImg:(n0+nb)*inImg], be.cols)
		beta := float32(1)
		if n0 == 0 {
			beta = 0
		}
		g := dyd[n0*outImg : (n0+nb)*outImg]
		if transposed {
			be.sgemm(true, false, q, p.K, rows, 1, be.cols, q, g, p.K, beta, acc, p.K)
		} else {
			be.sgemm(true, false, p.K, q, rows, 1, g, p.K, be.cols, q, beta, acc, q)
		}
	}
	if transposed {
		for k := 0; k < p.K; k++ {
			for i := 0; i < q; i++ {
				dwd[k*q+i] = acc[i*p.K+k]
			}
		}
	}
}

func (be *Backend) Conv2DBackwardData(p engine.ConvParams, dy, w, dx engine.Buffer) {
	dyd, wd, dxd := data(dy), data(w), data(dx)
	q := p.R * p.S * p.C
	inImg, outImg := p.H*p.W*p.C, p.OH*p.OW*p.K
	step := chunkImages(p)
	for n0 := 0; n0 < p.N; n0 += step {
		nb := min(step, p.N-n0)
		rows := nb * p.OH * p.OW
		be.cols = grow(be.cols, rows*q)
		be.sgemm(false, false, rows, q, p.K, 1, dyd[n0*outImg:(n0+nb)*outImg], p.K, wd, q, 0, be.cols, q)
		col2im(p, nb, be.cols, dxd[n0*inImg:(n0+nb)*inImg])
	}
}

// im2col fills cols (nb·OH·OW × R·S·C) from nb NHWC images; padding is zero.
// Work is split over output rows (image, oh).
func im2col(p engine.ConvParams, nb int, x, cols []float32) {
	q, sc := p.R*p.S*p.C, p.S*p.C
	parallelFor(nb*p.OH, 8, func(lo, hi int) {
		for nr := lo; nr < hi; nr++ {
			n, oh := nr/p.OH, nr%p.OH
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
	})
}

// col2im sets dx to the sum of every cols entry over the input pixel it was
// read from. Images are independent, so they are split over workers.
func col2im(p engine.ConvParams, nb int, cols, dx []float32) {
	q := p.R * p.S * p.C
	parallelFor(nb, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			img := dx[n*p.H*p.W*p.C : (n+1)*p.H*p.W*p.C]
			clear(img)
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					src := cols[((n*p.OH+oh)*p.OW+ow)*q:]
					for r := 0; r < p.R; r++ {
						ih := oh*p.SH + r - p.PadTop
						if ih < 0 || ih >= p.H {
							continue
						}
						for s := 0; s < p.S; s++ {
							iw := ow*p.SW + s - p.PadLeft
							if iw < 0 || iw >= p.W {
								continue
							}
							d := img[(ih*p.W+iw)*p.C : (ih*p.W+iw+1)*p.C]
							sv := src[(r*p.S+s)*p.C : (r*p.S+s+1)*p.C]
							for c := range d {
								d[c] += sv[c]
							}
						}
					}
				}
			}
		}
	})
}

// narrowTranspose enables the dwᵀ form for narrow patches (a switch for
// side-by-side benchmarks).
var narrowTranspose = true
