package cpu

import (
	"math"

	"mnistgpu/engine"
)

// poolArgmax returns the input offset of the first maximum of the window of
// output pixel (n, oh, ow, c), or -1 if the window lies wholly in padding.
func poolArgmax(p engine.PoolParams, x []float32, n, oh, ow, c int) int {
	best, arg := float32(math.Inf(-1)), -1
	for r := 0; r < p.PH; r++ {
		ih := oh*p.SH + r - p.PadTop
		if ih < 0 || ih >= p.H {
			continue
		}
		for s := 0; s < p.PW; s++ {
			iw := ow*p.SW + s - p.PadLeft
			if iw < 0 || iw >= p.W {
				continue
			}
			off := ((n*p.H+ih)*p.W+iw)*p.C + c
			if v := x[off]; arg < 0 || v > best {
				best, arg = v, off
			}
		}
	}
	return arg
}

func (*Backend) MaxPoolForward(p engine.PoolParams, x, y engine.Buffer) {
	xd, yd := data(x), data(y)
	parallelFor(p.N, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					out := yd[((n*p.OH+oh)*p.OW+ow)*p.C:]
					for c := 0; c < p.C; c++ {
						if a := poolArgmax(p, xd, n, oh, ow, c); a >= 0 {
							out[c] = xd[a]
						} else {
							out[c] = 0
						}
					}
				}
			}
		}
	})
}

func (*Backend) MaxPoolBackward(p engine.PoolParams, x, _, dy, dx engine.Buffer) {
	xd, dyd, dxd := data(x), data(dy), data(dx)
	parallelFor(p.N, 1, func(lo, hi int) {
		clear(dxd[lo*p.H*p.W*p.C : hi*p.H*p.W*p.C])
		for n := lo; n < hi; n++ {
			for oh := 0; oh < p.OH; oh++ {
				for ow := 0; ow < p.OW; ow++ {
					g := dyd[((n*p.OH+oh)*p.OW+ow)*p.C:]
					for c := 0; c < p.C; c++ {
						if a := poolArgmax(p, xd, n, oh, ow, c); a >= 0 {
							dxd[a] += g[c]
						}
					}
				}
			}
		}
	})
}
