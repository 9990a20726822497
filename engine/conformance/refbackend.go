package conformance

import (
	"fmt"
	"math"

	"mnistgpu/engine"
)

// RefBackend is an engine.Backend whose every kernel widens its inputs to
// float64, runs the plain reference loops of this package and rounds the
// result to float32 once. It is slow and obviously correct: the parity
// harness compares real backends with it.
type RefBackend struct{}

type refBuf struct{ d []float32 }

func (b *refBuf) Len() int { return len(b.d) }
func (b *refBuf) Slice(off, n int) engine.Buffer {
	if off < 0 || n < 0 || off+n > len(b.d) {
		panic(fmt.Sprintf("conformance: Slice(%d, %d) of %d", off, n, len(b.d)))
	}
	return &refBuf{b.d[off : off+n : off+n]}
}

func rd(b engine.Buffer) []float32 { return b.(*refBuf).d }

// get widens the first n values of b.
func get(b engine.Buffer, n int) []float64 { return F64(rd(b)[:n]) }

// put rounds v into b.
func put(b engine.Buffer, v []float64) {
	d := rd(b)
	for i, x := range v {
		d[i] = float32(x)
	}
}

func (RefBackend) Name() string          { return "ref" }
func (RefBackend) Describe() string      { return "float64 reference" }
func (RefBackend) Traits() engine.Traits { return engine.Traits{LossReadEvery: 1} }
func (RefBackend) Close() error          { return nil }
func (RefBackend) Alloc(n int) (engine.Buffer, error) {
	return &refBuf{make([]float32, n)}, nil
}
func (RefBackend) Free(engine.Buffer)                       {}
func (RefBackend) CopyIn(dst engine.Buffer, src []float32)  { copy(rd(dst), src) }
func (RefBackend) CopyOut(dst []float32, src engine.Buffer) { copy(dst, rd(src)) }
func (RefBackend) Copy(dst, src engine.Buffer)              { copy(rd(dst), rd(src)) }
func (RefBackend) Synchronize() error                       { return nil }
func (RefBackend) Fill(dst engine.Buffer, v float32) {
	for i := range rd(dst) {
		rd(dst)[i] = v
	}
}

func (RefBackend) Gemm(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	b engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	out := RefGemm(transA, transB, m, n, k, float64(alpha), F64(rd(a)), lda, F64(rd(b)), ldb, float64(beta), F64(rd(c)), ldc)
	cd := rd(c)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			cd[i*ldc+j] = float32(out[i*n+j])
		}
	}
}

func convSizes(p engine.ConvParams) (x, w, y int) {
	return p.N * p.H * p.W * p.C, p.K * p.R * p.S * p.C, p.N * p.OH * p.OW * p.K
}

func (RefBackend) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	nx, nw, _ := convSizes(p)
	put(y, RefConv2D(p, get(x, nx), get(w, nw)))
}
func (RefBackend) Conv2DBackwardData(p engine.ConvParams, dy, w, dx engine.Buffer) {
	_, nw, ny := convSizes(p)
	put(dx, RefConv2DBackwardData(p, get(dy, ny), get(w, nw)))
}
func (RefBackend) Conv2DBackwardFilter(p engine.ConvParams, x, dy, dw engine.Buffer) {
	nx, _, ny := convSizes(p)
	put(dw, RefConv2DBackwardFilter(p, get(x, nx), get(dy, ny)))
}

func (RefBackend) BiasAdd(rows, cols int, y, bias engine.Buffer) {
	v, b := get(y, rows*cols), get(bias, cols)
	for i := range v {
		v[i] += b[i%cols]
	}
	put(y, v)
}
func (RefBackend) BiasGrad(rows, cols int, dy, db engine.Buffer) {
	g, s := get(dy, rows*cols), make([]float64, cols)
	for i, v := range g {
		s[i%cols] += v
	}
	put(db, s)
}

func (RefBackend) MaxPoolForward(p engine.PoolParams, x, y engine.Buffer) {
	put(y, RefMaxPool(p, get(x, p.N*p.H*p.W*p.C)))
}
func (RefBackend) MaxPoolBackward(p engine.PoolParams, x, _, dy, dx engine.Buffer) {
	put(dx, RefMaxPoolBackward(p, get(x, p.N*p.H*p.W*p.C), get(dy, p.N*p.OH*p.OW*p.C)))
}

func (RefBackend) ActivationForward(f engine.Activation, alpha float32, n int, x, y engine.Buffer) {
	put(y, RefActivation(f, float64(alpha), get(x, n)))
}

// RefActivationBackward is f'(x)·dy given x and y = f(x).
func RefActivationBackward(f engine.Activation, alpha float64, x, y, dy []float64) []float64 {
	dx := make([]float64, len(x))
	for i := range x {
		switch f {
		case engine.Linear:
			dx[i] = dy[i]
		case engine.ReLU:
			if x[i] > 0 {
				dx[i] = dy[i]
			}
		case engine.LeakyReLU:
			dx[i] = dy[i]
			if x[i] <= 0 {
				dx[i] *= alpha
			}
		case engine.Sigmoid:
			dx[i] = dy[i] * y[i] * (1 - y[i])
		case engine.Tanh:
			dx[i] = dy[i] * (1 - y[i]*y[i])
		}
	}
	return dx
}

func (RefBackend) ActivationBackward(f engine.Activation, alpha float32, n int, x, y, dy, dx engine.Buffer) {
	put(dx, RefActivationBackward(f, float64(alpha), get(x, n), get(y, n), get(dy, n)))
}

func (RefBackend) SoftmaxForward(rows, cols int, x, y engine.Buffer) {
	put(y, RefSoftmax(rows, cols, get(x, rows*cols)))
}
func (RefBackend) SoftmaxBackward(rows, cols int, y, dy, dx engine.Buffer) {
	yv, g := get(y, rows*cols), get(dy, rows*cols)
	out := make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		var dot float64
		for j := 0; j < cols; j++ {
			dot += yv[r*cols+j] * g[r*cols+j]
		}
		for j := 0; j < cols; j++ {
			out[r*cols+j] = yv[r*cols+j] * (g[r*cols+j] - dot)
		}
	}
	put(dx, out)
}

func (RefBackend) SoftmaxCrossEntropy(rows, cols int, scale float32, z, t, probs, dz, loss engine.Buffer) {
	zv, tv := get(z, rows*cols), get(t, rows*cols)
	p := RefSoftmax(rows, cols, zv)
	l, d := make([]float64, rows), make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		var sumT float64
		for j := 0; j < cols; j++ {
			i := r*cols + j
			l[r] -= tv[i] * math.Log(p[i])
			sumT += tv[i]
		}
		for j := 0; j < cols; j++ {
			i := r*cols + j
			d[i] = float64(scale) * (sumT*p[i] - tv[i])
		}
	}
	put(probs, p)
	put(dz, d)
	put(loss, l)
}

func (RefBackend) BinaryCrossEntropy(rows, cols int, scale float32, p, t, dp, loss engine.Buffer) {
	pv, tv := get(p, rows*cols), get(t, rows*cols)
	l, d := make([]float64, rows), make([]float64, rows*cols)
	const eps = 1e-7
	for i := range pv {
		c := math.Min(math.Max(pv[i], eps), 1-eps)
		l[i/cols] -= (tv[i]*math.Log(c) + (1-tv[i])*math.Log(1-c)) / float64(cols)
		if pv[i] > eps && pv[i] < 1-eps {
			d[i] = float64(scale) / float64(cols) * (pv[i] - tv[i]) / (pv[i] * (1 - pv[i]))
		}
	}
	put(dp, d)
	put(loss, l)
}

func refArgmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func (RefBackend) Accuracy(rows, cols int, p, t, correct engine.Buffer) {
	pv, tv := get(p, rows*cols), get(t, rows*cols)
	out := make([]float64, rows)
	for r := 0; r < rows; r++ {
		if refArgmax(pv[r*cols:(r+1)*cols]) == refArgmax(tv[r*cols:(r+1)*cols]) {
			out[r] = 1
		}
	}
	put(correct, out)
}

func (RefBackend) SumInto(n int, x, acc engine.Buffer) {
	var s float64
	for _, v := range get(x, n) {
		s += v
	}
	rd(acc)[0] = float32(float64(rd(acc)[0]) + s)
}

func (RefBackend) DropoutForward(n int, rate float32, seed, offset uint64, x, y, mask engine.Buffer) {
	xv := get(x, n)
	m, out := make([]float64, n), make([]float64, n)
	for i := range xv {
		if engine.Uniform(seed, offset+uint64(i)) >= rate {
			m[i] = float64(1 / (1 - rate))
		}
		out[i] = xv[i] * m[i]
	}
	put(mask, m)
	put(y, out)
}

func (RefBackend) GatherRows(rows, cols int, idx, src, dst engine.Buffer) {
	ix, s, d := rd(idx), rd(src), rd(dst)
	for r := 0; r < rows; r++ {
		row := int(ix[r])
		copy(d[r*cols:(r+1)*cols], s[row*cols:(row+1)*cols])
	}
}

func (RefBackend) Mul(n int, x, y, z engine.Buffer) {
	a, b := get(x, n), get(y, n)
	for i := range a {
		a[i] *= b[i]
	}
	put(z, a)
}

func (RefBackend) SGDStep(n int, lr, momentum float32, nesterov bool, w, g, v engine.Buffer) {
	wv, gv := get(w, n), get(g, n)
	l, mu := float64(lr), float64(momentum)
	if momentum == 0 {
		for i := range wv {
			wv[i] -= l * gv[i]
		}
		put(w, wv)
		return
	}
	vv := get(v, n)
	for i := range wv {
		vv[i] = mu*vv[i] - l*gv[i]
		if nesterov {
			wv[i] += mu*vv[i] - l*gv[i]
		} else {
			wv[i] += vv[i]
		}
	}
	put(w, wv)
	put(v, vv)
}

func (RefBackend) AdamStep(n int, lrT, beta1, beta2, eps float32, w, g, m, v engine.Buffer) {
	wv, gv, mv, vv := get(w, n), get(g, n), get(m, n), get(v, n)
	b1, b2 := float64(beta1), float64(beta2)
	for i := range wv {
		mv[i] = b1*mv[i] + (1-b1)*gv[i]
		vv[i] = b2*vv[i] + (1-b2)*gv[i]*gv[i]
		wv[i] -= float64(lrT) * mv[i] / (math.Sqrt(vv[i]) + float64(eps))
	}
	put(w, wv)
	put(m, mv)
	put(v, vv)
}

func (RefBackend) RMSpropStep(n int, lr, rho, eps float32, w, g, ms engine.Buffer) {
	wv, gv, mv := get(w, n), get(g, n), get(ms, n)
	for i := range wv {
		mv[i] = float64(rho)*mv[i] + (1-float64(rho))*gv[i]*gv[i]
		wv[i] -= float64(lr) * gv[i] / (math.Sqrt(mv[i]) + float64(eps))
	}
	put(w, wv)
	put(ms, mv)
}

func (RefBackend) AdagradStep(n int, lr, eps float32, w, g, acc engine.Buffer) {
	wv, gv, av := get(w, n), get(g, n), get(acc, n)
	for i := range wv {
		av[i] += gv[i] * gv[i]
		wv[i] -= float64(lr) * gv[i] / (math.Sqrt(av[i]) + float64(eps))
	}
	put(w, wv)
	put(acc, av)
}

func (RefBackend) WeightDecay(n int, rate float32, w engine.Buffer) {
	wv := get(w, n)
	for i := range wv {
		wv[i] -= wv[i] * float64(rate)
	}
	put(w, wv)
}

var _ engine.Backend = RefBackend{}
