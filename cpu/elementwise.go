package cpu

import (
	"fmt"
	"math"

	"mnistgpu/engine"
)

const grainElems = 1 << 14

func (*Backend) BiasAdd(rows, cols int, y, bias engine.Buffer) {
	yd, bd := data(y), data(bias)[:cols]
	parallelFor(rows, max(1, grainElems/cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := yd[r*cols : (r+1)*cols]
			for j := range row {
				row[j] += bd[j]
			}
		}
	})
}

// biasBlock is the number of rows summed into one partial sum by BiasGrad.
// It is a constant, not a function of the thread count, so the order of
// additions, and the result, is the same however many threads run.
const biasBlock = 512

// BiasGrad sums blocks of biasBlock rows in parallel, then adds the block
// sums in block order.
func (be *Backend) BiasGrad(rows, cols int, dy, db engine.Buffer) {
	dyd, dbd := data(dy), data(db)[:cols]
	blocks := (rows + biasBlock - 1) / biasBlock
	be.partial = grow(be.partial, blocks*cols)
	part := be.partial
	parallelFor(blocks, 1, func(lo, hi int) {
		for bl := lo; bl < hi; bl++ {
			acc := part[bl*cols : (bl+1)*cols]
			clear(acc)
			for r := bl * biasBlock; r < min(rows, (bl+1)*biasBlock); r++ {
				row := dyd[r*cols : (r+1)*cols]
				acc = acc[:len(row)]
				for j, v := range row {
					acc[j] += v
				}
			}
		}
	})
	copy(dbd, part[:cols])
	for bl := 1; bl < blocks; bl++ {
		acc := part[bl*cols : (bl+1)*cols]
		for j, v := range acc {
			dbd[j] += v
		}
	}
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func (*Backend) ActivationForward(f engine.Activation, alpha float32, n int, x, y engine.Buffer) {
	xd, yd := data(x)[:n], data(y)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		xs, ys := xd[lo:hi], yd[lo:hi]
		switch f {
		case engine.Linear:
			copy(ys, xs)
		case engine.ReLU:
			for i, v := range xs {
				ys[i] = max(v, 0)
			}
		case engine.LeakyReLU:
			for i, v := range xs {
				if v < 0 {
					v *= alpha
				}
				ys[i] = v
			}
		case engine.Sigmoid:
			for i, v := range xs {
				ys[i] = sigmoid(v)
			}
		case engine.Tanh:
			for i, v := range xs {
				ys[i] = float32(math.Tanh(float64(v)))
			}
		default:
			panic(fmt.Sprintf("cpu: ActivationForward(%v) is not element-wise", f))
		}
	})
}

func (*Backend) ActivationBackward(f engine.Activation, alpha float32, n int, x, y, dy, dx engine.Buffer) {
	xd, yd, dyd, dxd := data(x), data(y), data(dy)[:n], data(dx)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		g, d := dyd[lo:hi], dxd[lo:hi]
		switch f {
		case engine.Linear:
			copy(d, g)
		case engine.ReLU: // gradient 0 at x == 0, as TensorFlow
			xs := xd[lo:hi]
			d = d[:len(xs)]
			g = g[:len(xs)]
			for i, v := range xs {
				d[i] = math.Float32frombits(math.Float32bits(g[i]) & positiveMask(v))
			}
		case engine.LeakyReLU:
			xs := xd[lo:hi]
			for i, v := range xs {
				if v > 0 {
					d[i] = g[i]
				} else {
					d[i] = alpha * g[i]
				}
			}
		case engine.Sigmoid:
			ys := yd[lo:hi]
			for i, v := range ys {
				d[i] = g[i] * v * (1 - v)
			}
		case engine.Tanh:
			ys := yd[lo:hi]
			for i, v := range ys {
				d[i] = g[i] * (1 - v*v)
			}
		default:
			panic(fmt.Sprintf("cpu: ActivationBackward(%v) is not element-wise", f))
		}
	})
}

func (*Backend) SoftmaxForward(rows, cols int, x, y engine.Buffer) {
	xd, yd := data(x), data(y)
	parallelFor(rows, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxRow(xd[r*cols:(r+1)*cols], yd[r*cols:(r+1)*cols])
		}
	})
}

// softmaxRow writes softmax(z) to p and returns log Σ exp(z), in float64.
func softmaxRow(z, p []float32) float64 {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v - m))
	}
	for j, v := range z {
		p[j] = float32(math.Exp(float64(v-m)) / s)
	}
	return float64(m) + math.Log(s)
}

func (*Backend) SoftmaxBackward(rows, cols int, y, dy, dx engine.Buffer) {
	yd, dyd, dxd := data(y), data(dy), data(dx)
	parallelFor(rows, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ys, gs, ds := yd[r*cols:(r+1)*cols], dyd[r*cols:(r+1)*cols], dxd[r*cols:(r+1)*cols]
			var dot float64
			for j := range ys {
				dot += float64(ys[j]) * float64(gs[j])
			}
			for j := range ys {
				ds[j] = float32(float64(ys[j]) * (float64(gs[j]) - dot))
			}
		}
	})
}

func (*Backend) DropoutForward(n int, rate float32, seed, offset uint64, x, y, mask engine.Buffer) {
	xd, yd, md := data(x)[:n], data(y)[:n], data(mask)[:n]
	keep := 1 / (1 - rate)
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			m := float32(0)
			if engine.Uniform(seed, offset+uint64(i)) >= rate {
				m = keep
			}
			md[i] = m
			yd[i] = xd[i] * m
		}
	})
}

func (*Backend) GatherRows(rows, cols int, idx, src, dst engine.Buffer) {
	ix, s, d := data(idx)[:rows], data(src), data(dst)[:rows*cols]
	for r, v := range ix {
		row := int(v)
		copy(d[r*cols:(r+1)*cols], s[row*cols:(row+1)*cols])
	}
}

func (*Backend) Mul(n int, x, y, z engine.Buffer) {
	xd, yd, zd := data(x)[:n], data(y)[:n], data(z)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			zd[i] = xd[i] * yd[i]
		}
	})
}

// positiveMask is all ones when x > 0 (and x is not NaN) and zero otherwise,
// without a branch: for the int32 view b of x, b > 0 exactly when x > +0,
// and ^((b-1)|b) has its sign bit set exactly then.
func positiveMask(x float32) uint32 {
	b := int32(math.Float32bits(x))
	return uint32(^((b - 1) | b) >> 31)
}
