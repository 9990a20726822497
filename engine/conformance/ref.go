// Package conformance holds what every Backend is checked against: plain
// float64 reference implementations of the kernels and of a whole model's
// loss, written for clarity, never for speed (ref.go); RefBackend, a
// Backend made of them (refbackend.go); the kernel checks (Conformance,
// kernels.go) and the training parity checks (ParityResults, parity.go),
// which return one Result per case.
//
// It does not import package testing, so `mnistgpu check` runs the same
// checks in a shipped binary; engine/enginetest wraps them for go test.
package conformance

import (
	"fmt"
	"math"

	"mnistgpu/engine"
)

// RefConv2D is the forward convolution of NHWC x with KRSC w (no bias).
func RefConv2D(p engine.ConvParams, x, w []float64) []float64 {
	y := make([]float64, p.N*p.OH*p.OW*p.K)
	for n := 0; n < p.N; n++ {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				for k := 0; k < p.K; k++ {
					var s float64
					for r := 0; r < p.R; r++ {
						ih := oh*p.SH + r - p.PadTop
						if ih < 0 || ih >= p.H {
							continue
						}
						for q := 0; q < p.S; q++ {
							iw := ow*p.SW + q - p.PadLeft
							if iw < 0 || iw >= p.W {
								continue
							}
							for c := 0; c < p.C; c++ {
								s += x[((n*p.H+ih)*p.W+iw)*p.C+c] * w[((k*p.R+r)*p.S+q)*p.C+c]
							}
						}
					}
					y[((n*p.OH+oh)*p.OW+ow)*p.K+k] = s
				}
			}
		}
	}
	return y
}

// RefMaxPool is max pooling of NHWC x; windows wholly in padding give 0.
func RefMaxPool(p engine.PoolParams, x []float64) []float64 {
	y := make([]float64, p.N*p.OH*p.OW*p.C)
	for n := 0; n < p.N; n++ {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				for c := 0; c < p.C; c++ {
					best, any := math.Inf(-1), false
					for r := 0; r < p.PH; r++ {
						for q := 0; q < p.PW; q++ {
							ih, iw := oh*p.SH+r-p.PadTop, ow*p.SW+q-p.PadLeft
							if ih >= 0 && ih < p.H && iw >= 0 && iw < p.W {
								best, any = math.Max(best, x[((n*p.H+ih)*p.W+iw)*p.C+c]), true
							}
						}
					}
					if !any {
						best = 0
					}
					y[((n*p.OH+oh)*p.OW+ow)*p.C+c] = best
				}
			}
		}
	}
	return y
}

// RefActivation applies f element-wise (not Softmax).
func RefActivation(f engine.Activation, alpha float64, x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		switch f {
		case engine.Linear:
			y[i] = v
		case engine.ReLU:
			y[i] = math.Max(v, 0)
		case engine.LeakyReLU:
			if v < 0 {
				v *= alpha
			}
			y[i] = v
		case engine.Sigmoid:
			y[i] = 1 / (1 + math.Exp(-v))
		case engine.Tanh:
			y[i] = math.Tanh(v)
		default:
			panic(fmt.Sprintf("RefActivation(%v)", f))
		}
	}
	return y
}

// RefSoftmax is the row-wise softmax of a rows×cols matrix.
func RefSoftmax(rows, cols int, x []float64) []float64 {
	y := make([]float64, len(x))
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		for j, v := range row {
			y[r*cols+j] = math.Exp(v-m) / s
		}
	}
	return y
}

// RefGemm returns alpha·op(A)·op(B) + beta·C for row-major operands.
func RefGemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			out[i*n+j] = alpha * s
			if beta != 0 { // BLAS: with beta = 0, C is not read (it may hold NaN)
				out[i*n+j] += beta * c[i*ldc+j]
			}
		}
	}
	return out
}

// RefForward runs model m (built, any device) in inference mode on n samples
// x with the given weights in engine layout (the order of m.Params()), in
// float64. Dropout is the identity, as at inference.
func RefForward(m *engine.Model, weights []float64, x []float64, n int) []float64 {
	off := 0
	take := func(p *engine.Param) []float64 {
		v := weights[off : off+p.Size()]
		off += p.Size()
		return v
	}
	shape := m.Input
	cur := x
	for _, l := range m.Layers {
		switch l := l.(type) {
		case *engine.Conv2D:
			params := paramsOf(m, l.Name())
			p, err := engine.NewConvParams(n, shape[0], shape[1], shape[2], l.Filters, l.KernelH, l.KernelW, l.StrideH, l.StrideW, l.Padding)
			if err != nil {
				panic(err)
			}
			w, b := take(params[0]), take(params[1])
			cur = RefConv2D(p, cur, w)
			for i := range cur {
				cur[i] += b[i%p.K]
			}
			cur = refAct(l.Activation, float64(l.Alpha), n, p.K, cur)
			shape = engine.Shape{p.OH, p.OW, p.K}
		case *engine.MaxPooling2D:
			p, err := engine.NewPoolParams(n, shape[0], shape[1], shape[2], l.PoolH, l.PoolW, l.StrideH, l.StrideW, l.Padding)
			if err != nil {
				panic(err)
			}
			cur = RefMaxPool(p, cur)
			shape = engine.Shape{p.OH, p.OW, p.C}
		case *engine.Flatten:
			shape = engine.Shape{shape.Size()}
		case *engine.Dense:
			params := paramsOf(m, l.Name())
			w, b := take(params[0]), take(params[1])
			in := shape.Size()
			cur = RefGemm(false, false, n, l.Units, in, 1, cur, in, w, l.Units, 0, make([]float64, n*l.Units), l.Units)
			for i := range cur {
				cur[i] += b[i%l.Units]
			}
			cur = refAct(l.Activation, float64(l.Alpha), n, l.Units, cur)
			shape = engine.Shape{l.Units}
		case *engine.ActivationLayer:
			cur = refAct(l.Activation, float64(l.Alpha), n, shape.Size(), cur)
		case *engine.Dropout:
		default:
			panic(fmt.Sprintf("RefForward: layer %T", l))
		}
	}
	return cur
}

func refAct(f engine.Activation, alpha float64, rows, cols int, x []float64) []float64 {
	switch f {
	case engine.Softmax:
		return RefSoftmax(rows, cols, x)
	case engine.LeakyReLU:
		if alpha == 0 {
			alpha = 0.2
		}
	}
	return RefActivation(f, alpha, x)
}

func paramsOf(m *engine.Model, layer string) []*engine.Param {
	for _, l := range m.Layers {
		if l.Name() == layer {
			var out []*engine.Param
			for _, p := range m.Params() {
				if m.ParamLayer(p) == l {
					out = append(out, p)
				}
			}
			return out
		}
	}
	return nil
}

// RefLoss is the batch-mean loss of the model's outputs on targets t.
func RefLoss(loss engine.Loss, out, t []float64, rows, cols int) float64 {
	var s float64
	for r := 0; r < rows; r++ {
		for j := 0; j < cols; j++ {
			p, tv := out[r*cols+j], t[r*cols+j]
			switch loss {
			case engine.CategoricalCrossEntropy:
				s -= tv * math.Log(p)
			case engine.BinaryCrossEntropyLoss:
				p = math.Min(math.Max(p, 1e-7), 1-1e-7)
				s -= (tv*math.Log(p) + (1-tv)*math.Log(1-p)) / float64(cols)
			}
		}
	}
	return s / float64(rows)
}

// F64 widens a float32 slice.
func F64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// F32 narrows a float64 slice.
func F32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// RefConv2DBackwardData is ∂(Σ y·dy)/∂x for RefConv2D.
func RefConv2DBackwardData(p engine.ConvParams, dy, w []float64) []float64 {
	dx := make([]float64, p.N*p.H*p.W*p.C)
	p.ForEachTap(func(n, oh, ow, r, s, ih, iw int) {
		for k := 0; k < p.K; k++ {
			g := dy[((n*p.OH+oh)*p.OW+ow)*p.K+k]
			for c := 0; c < p.C; c++ {
				dx[((n*p.H+ih)*p.W+iw)*p.C+c] += g * w[((k*p.R+r)*p.S+s)*p.C+c]
			}
		}
	})
	return dx
}

// RefConv2DBackwardFilter is ∂(Σ y·dy)/∂w for RefConv2D.
func RefConv2DBackwardFilter(p engine.ConvParams, x, dy []float64) []float64 {
	dw := make([]float64, p.K*p.R*p.S*p.C)
	p.ForEachTap(func(n, oh, ow, r, s, ih, iw int) {
		for k := 0; k < p.K; k++ {
			g := dy[((n*p.OH+oh)*p.OW+ow)*p.K+k]
			for c := 0; c < p.C; c++ {
				dw[((k*p.R+r)*p.S+s)*p.C+c] += g * x[((n*p.H+ih)*p.W+iw)*p.C+c]
			}
		}
	})
	return dw
}

// RefMaxPoolBackward routes each dy to the first maximum of its window.
func RefMaxPoolBackward(p engine.PoolParams, x, dy []float64) []float64 {
	dx := make([]float64, len(x))
	for n := 0; n < p.N; n++ {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				for c := 0; c < p.C; c++ {
					arg := -1
					for r := 0; r < p.PH; r++ {
						for q := 0; q < p.PW; q++ {
							ih, iw := oh*p.SH+r-p.PadTop, ow*p.SW+q-p.PadLeft
							if ih < 0 || ih >= p.H || iw < 0 || iw >= p.W {
								continue
							}
							if off := ((n*p.H+ih)*p.W+iw)*p.C + c; arg < 0 || x[off] > x[arg] {
								arg = off
							}
						}
					}
					if arg >= 0 {
						dx[arg] += dy[((n*p.OH+oh)*p.OW+ow)*p.C+c]
					}
				}
			}
		}
	}
	return dx
}
