package cpu

import (
	"math"

	"mnistgpu/engine"
)

// poolWindow finds, for every channel of output pixel (n, oh, ow), the input
// offset of the first maximum of its window in row-major window order (-1 if
// the window lies wholly in padding). It scans whole channel vectors, which
// are contiguous in NHWC.
func poolWindow(p engine.PoolParams, x []float32, n, oh, ow int, best []float32, arg []int32) {
	for c := range best {
		best[c], arg[c] = float32(math.Inf(-1)), -1
	}
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
			off := ((n*p.H+ih)*p.W + iw) * p.C
			row := x[off : off+p.C]
			for c, v := range row {
				if arg[c] < 0 || v > best[c] {
					best[c], arg[c] = v, int32(off+c)
				}
			}
		}
	}
}

// is2x2 reports the common case: 2×2 windows, stride 2, every window inside
// the input (no padding on any side: "same" padding of an odd size pads the
// bottom or right).
func is2x2(p engine.PoolParams) bool {
	return p.PH == 2 && p.PW == 2 && p.SH == 2 && p.SW == 2 && p.PadTop == 0 && p.PadLeft == 0 &&
		2*p.OH <= p.H && 2*p.OW <= p.W
}

func (be *Backend) MaxPoolForward(p engine.PoolParams, x, y engine.Buffer) {
	be.maxPool(p, data(x), data(y), nil, nil, false)
}

func (be *Backend) MaxPoolBackward(p engine.PoolParams, x, y, dy, dx engine.Buffer) {
	be.maxPool(p, data(x), data(y), data(dy), data(dx), true)
}

// maxPool runs the forward or backward pass, one item per sample.
func (be *Backend) maxPool(p engine.PoolParams, x, y, dy, dx []float32, backward bool) {
	be.pool()
	for i := range be.mem {
		be.mem[i].window(p.C)
	}
	t := &be.maxPoolT
	*t = poolTask{p: p, x: x, y: y, dy: dy, dx: dx, backward: backward, mem: be.mem}
	per := p.H * p.W * p.C
	if per*p.N < 2*grainElems {
		for n := 0; n < p.N; n++ {
			t.do(0, n)
		}
	} else {
		be.pool().run(t, p.N)
	}
	*t = poolTask{}
}

// poolTask is one max-pooling call; item n is sample n.
type poolTask struct {
	p            engine.PoolParams
	x, y, dy, dx []float32
	backward     bool
	mem          []workerMem
}

func (t *poolTask) do(w, n int) {
	p := t.p
	switch {
	case is2x2(p) && t.backward:
		pool2x2Backward(p, n, t.x, t.y, t.dy, t.dx)
	case is2x2(p):
		pool2x2Forward(p, n, t.x, t.y)
	case t.backward:
		m := &t.mem[w]
		best, arg := m.window(p.C)
		clear(t.dx[n*p.H*p.W*p.C : (n+1)*p.H*p.W*p.C])
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				poolWindow(p, t.x, n, oh, ow, best, arg)
				g := t.dy[((n*p.OH+oh)*p.OW+ow)*p.C:][:p.C]
				for c, a := range arg {
					if a >= 0 {
						t.dx[a] += g[c]
					}
				}
			}
		}
	default:
		m := &t.mem[w]
		best, arg := m.window(p.C)
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				poolWindow(p, t.x, n, oh, ow, best, arg)
				out := t.y[((n*p.OH+oh)*p.OW+ow)*p.C:][:p.C]
				for c := range out {
					if arg[c] >= 0 {
						out[c] = best[c]
					} else {
						out[c] = 0
					}
				}
			}
		}
	}
}

// pool2x2Forward and pool2x2Backward are the 2×2/2 fast path for sample n;
// window elements a, b (top row) and c, d (bottom row) are compared in that
// order, the first maximum winning, exactly as poolWindow does.
func pool2x2Forward(p engine.PoolParams, n int, x, y []float32) {
	C, rowStride := p.C, p.W*p.C
	for oh := 0; oh < p.OH; oh++ {
		top := x[(n*p.H+2*oh)*rowStride:]
		bot := top[rowStride:]
		out := y[(n*p.OH+oh)*p.OW*C : (n*p.OH+oh+1)*p.OW*C]
		if pool2x2FwdRow(p.OW, C, top, out, rowStride) {
			continue
		}
		for ow := 0; ow < p.OW; ow++ {
			a, b := top[2*ow*C:][:C], top[(2*ow+1)*C:][:C]
			c, d := bot[2*ow*C:][:C], bot[(2*ow+1)*C:][:C]
			o := out[ow*C:][:C]
			for i := range o {
				o[i] = max(max(a[i], b[i]), max(c[i], d[i]))
			}
		}
	}
}

func pool2x2Backward(p engine.PoolParams, n int, x, y, dy, dx []float32) {
	C, rowStride := p.C, p.W*p.C
	if p.H != 2*p.OH || p.W != 2*p.OW { // windows do not tile the input: not every dx is written
		clear(dx[n*p.H*rowStride : (n+1)*p.H*rowStride])
	}
	for oh := 0; oh < p.OH; oh++ {
		base := (n*p.H + 2*oh) * rowStride
		o := (n*p.OH + oh) * p.OW * C
		if pool2x2BackRow(p.OW, C, x[base:], y[o:], dy[o:], dx[base:], rowStride) {
			continue
		}
		for ow := 0; ow < p.OW; ow++ {
			ia, ib := base+2*ow*C, base+(2*ow+1)*C
			xa, xb := x[ia:ia+C], x[ib:ib+C]
			xc := x[ia+rowStride : ia+rowStride+C]
			da, db := dx[ia:ia+C], dx[ib:ib+C]
			dc, dd := dx[ia+rowStride:ia+rowStride+C], dx[ib+rowStride:ib+rowStride+C]
			ys, gs := y[o+ow*C:][:C], dy[o+ow*C:][:C]
			for i, m := range ys {
				// The first of a, b, c, d equal to the max takes the gradient.
				g := math.Float32bits(gs[i])
				ea := eqMask(xa[i], m)
				eb := eqMask(xb[i], m) &^ ea
				ec := eqMask(xc[i], m) &^ (ea | eb)
				ed := ^(ea | eb | ec)
				da[i] = math.Float32frombits(g & ea)
				db[i] = math.Float32frombits(g & eb)
				dc[i] = math.Float32frombits(g & ec)
				dd[i] = math.Float32frombits(g & ed)
			}
		}
	}
}

// eqMask is all ones when a == b and zero otherwise, without a branch.
func eqMask(a, b float32) uint32 {
	var m uint32
	if a == b {
		m = ^uint32(0)
	}
	return m
}
