package cpu

import (
	"fmt"
	"math"

	"mnistgpu/engine"
)

// grainElems is the number of values one item of an element-wise kernel
// covers: work under two grains stays on the calling goroutine.
const grainElems = 1 << 14

// elemKind names the element-wise and row-wise kernels run by elemTask.
type elemKind int

const (
	kBiasAdd elemKind = iota
	kBiasAct
	kCopy
	kActForward
	kActBackward
	kSoftmaxForward
	kSoftmaxBackward
	kDropout
	kMul
	kSGD
	kAdam
	kRMSprop
	kAdagrad
	kWeightDecay
)

// elemTask is one element-wise (or row-wise) kernel call: item i covers
// values (or rows) [i·grain, (i+1)·grain). Every output depends on inputs
// at its own index (or row) only, so any split gives the same bits.
type elemTask struct {
	kind          elemKind
	n, grain      int // values or rows; per item
	cols          int // row length of row-wise kernels
	f             engine.Activation
	x, y, z, w, v []float32
	s0, s1, s2    float32 // scalars, per kernel
	s3, s4        float32
	seed, offset  uint64
	flag          bool
}

// elementwise runs t (be.elem) over the pool, or on the calling goroutine
// when it is a single item, and clears it.
func (be *Backend) elementwise(t *elemTask) {
	items := (t.n + t.grain - 1) / t.grain
	if items <= 1 {
		t.do(0, 0)
	} else {
		be.pool().run(t, items)
	}
	*t = elemTask{}
}

// rowGrain is the number of rows of cols values that make an item.
func rowGrain(cols int) int { return max(1, grainElems/max(cols, 1)) }

func (t *elemTask) do(_, i int) {
	lo := i * t.grain
	hi := min(t.n, lo+t.grain)
	switch t.kind {
	case kBiasAdd: // z is the bias repeated for a run of rows
		run := len(t.z) / t.cols
		for r := lo; r < hi; r += run {
			n := min(run, hi-r) * t.cols
			addTo(t.y[r*t.cols:r*t.cols+n], t.z[:n])
		}
	case kBiasAct: // z += bias (repeated in w), y = f(z), a run of rows at a time
		run := len(t.w) / t.cols
		for r := lo; r < hi; r += run {
			a, b := r*t.cols, r*t.cols+min(run, hi-r)*t.cols
			if t.f == engine.ReLU {
				biasReLU(t.x[a:b], t.w[:b-a], t.y[a:b])
				continue
			}
			addTo(t.x[a:b], t.w[:b-a])
			activationForward(t.f, t.s0, t.x[a:b], t.y[a:b])
		}
	case kCopy:
		copy(t.y[lo:hi], t.x[lo:hi])
	case kActForward:
		activationForward(t.f, t.s0, t.x[lo:hi], t.y[lo:hi])
	case kActBackward:
		activationBackward(t.f, t.s0, t.x, t.y, t.z, t.w, lo, hi)
	case kSoftmaxForward:
		for r := lo; r < hi; r++ {
			softmaxRow(t.x[r*t.cols:(r+1)*t.cols], t.y[r*t.cols:(r+1)*t.cols])
		}
	case kSoftmaxBackward:
		for r := lo; r < hi; r++ {
			c := t.cols
			ys, gs, ds := t.x[r*c:(r+1)*c], t.y[r*c:(r+1)*c], t.z[r*c:(r+1)*c]
			var dot float64
			for j := range ys {
				dot += float64(ys[j]) * float64(gs[j])
			}
			for j := range ys {
				ds[j] = float32(float64(ys[j]) * (float64(gs[j]) - dot))
			}
		}
	case kDropout:
		rate, keep := t.s0, t.s1
		for i := lo; i < hi; i++ {
			m := float32(0)
			if engine.Uniform(t.seed, t.offset+uint64(i)) >= rate {
				m = keep
			}
			t.z[i] = m
			t.y[i] = t.x[i] * m
		}
	case kMul:
		xs, ys, zs := t.x[lo:hi], t.y[lo:hi], t.z[lo:hi]
		for i := range zs {
			zs[i] = xs[i] * ys[i]
		}
	case kSGD:
		sgd(t.w[lo:hi], t.x[lo:hi], t.v, lo, t.s0, t.s1, t.flag)
	case kAdam:
		adam(t.w[lo:hi], t.x[lo:hi], t.y[lo:hi], t.v[lo:hi], t.s0, t.s1, t.s2, t.s3)
	case kRMSprop:
		w, g, ms := t.w[lo:hi], t.x[lo:hi], t.v[lo:hi]
		lr, rho, eps := t.s0, t.s1, t.s2
		for i, gi := range g {
			mi := flushState(rho*ms[i] + (1-rho)*(gi*gi))
			ms[i] = mi
			w[i] -= lr * gi / (float32(math.Sqrt(float64(mi))) + eps)
		}
	case kAdagrad:
		w, g, acc := t.w[lo:hi], t.x[lo:hi], t.v[lo:hi]
		lr, eps := t.s0, t.s1
		for i, gi := range g {
			a := acc[i] + gi*gi
			acc[i] = a
			w[i] -= lr * gi / (float32(math.Sqrt(float64(a))) + eps)
		}
	case kWeightDecay:
		w := t.w[lo:hi]
		for i := range w {
			w[i] -= w[i] * t.s0
		}
	default:
		panic(fmt.Sprintf("cpu: unknown element-wise kernel %d", t.kind))
	}
}

// biasRun is the number of floats in a run of rows that BiasAdd and
// BiasGrad treat as one vector (at least one row).
const biasRun = 2048

// runRows is the number of rows of cols values in a run.
func runRows(cols int) int { return max(1, biasRun/max(cols, 1)) }

func (be *Backend) BiasAdd(rows, cols int, y, bias engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kBiasAdd, n: rows, grain: rowGrain(cols), cols: cols, z: be.repeatBias(rows, cols, bias), y: data(y)}
	be.elementwise(t)
}

// repeatBias returns the bias repeated over a run of rows, so that adding it
// takes one vector add per run, not one per (short) row.
func (be *Backend) repeatBias(rows, cols int, bias engine.Buffer) []float32 {
	run := min(rows, runRows(cols))
	be.biasRep = grow(be.biasRep, run*cols)
	b := data(bias)[:cols]
	for r := 0; r < run; r++ {
		copy(be.biasRep[r*cols:], b)
	}
	return be.biasRep[:run*cols]
}

// biasActivationForward is BiasAdd(z) then ActivationForward(z → y) in one
// pass: each run of rows gets its bias and its activation while it is in L1.
// The results are the two calls', bit for bit.
func (be *Backend) biasActivationForward(f engine.Activation, alpha float32, rows, cols int, z, bias, y engine.Buffer) {
	checkElementwise("BiasActivationForward", f)
	t := &be.elem
	*t = elemTask{kind: kBiasAct, n: rows, grain: rowGrain(cols), cols: cols, f: f, s0: alpha,
		w: be.repeatBias(rows, cols, bias), x: data(z)[:rows*cols], y: data(y)[:rows*cols]}
	be.elementwise(t)
}

// activationBackwardBiasGrad is ActivationBackward(z, y, dy → dz) then
// BiasGrad(dz → db) in one pass: each run of rows of dz is summed while it
// is in L1. The results are the two calls', bit for bit.
func (be *Backend) activationBackwardBiasGrad(f engine.Activation, alpha float32, rows, cols int, z, y, dy, dz, db engine.Buffer) {
	checkElementwise("ActivationBackwardBiasGrad", f)
	be.biasGradOf(rows, cols, biasBlock, data(dz), data(db)[:cols], &biasGradTask{act: true, f: f, alpha: alpha,
		z: data(z), y: data(y), g: data(dy)})
}

// maxPoolActivationBackwardBiasGrad is MaxPoolBackward(x, y, dy → dz), then
// ActivationBackward(z, x, dz → dz) and BiasGrad(dz → db), one block of
// samples at a time: a sample's pool gradient is turned into dz and summed
// while it is in cache. The bias-gradient blocks are whole samples (at least
// biasBlock rows), fixed by the shape.
func (be *Backend) maxPoolActivationBackwardBiasGrad(p engine.PoolParams, f engine.Activation, alpha float32, z, x, y, dy, dz, db engine.Buffer) {
	checkElementwise("MaxPoolActivationBackwardBiasGrad", f)
	pix := p.H * p.W
	blockRows := (biasBlock + pix - 1) / pix * pix
	be.pool()
	for i := range be.mem {
		be.mem[i].window(p.C)
	}
	xd := data(x)
	pt := &be.maxPoolT
	*pt = poolTask{p: p, x: xd, y: data(y), dy: data(dy), dx: data(dz), backward: true}
	be.biasGradOf(p.N*pix, p.C, blockRows, data(dz), data(db)[:p.C], &biasGradTask{act: true, f: f, alpha: alpha,
		z: data(z), y: xd, g: data(dz), pool: pt})
	*pt = poolTask{}
}

func checkElementwise(kernel string, f engine.Activation) {
	switch f {
	case engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh:
	default:
		panic(fmt.Sprintf("cpu: %s(%v): not an element-wise activation", kernel, f))
	}
}

// biasBlock is the number of rows summed into one partial sum by BiasGrad.
// It is a constant, not a function of the thread count, so the order of
// additions, and the result, is the same however many threads run.
const biasBlock = 512

// BiasGrad sums blocks of biasBlock rows in parallel, then adds the block
// sums in block order.
func (be *Backend) BiasGrad(rows, cols int, dy, db engine.Buffer) {
	be.biasGradOf(rows, cols, biasBlock, data(dy), data(db)[:cols], nil)
}

// biasGradOf sets db to the column sums of dy (rows×cols), summed in blocks
// of blockRows rows whose sums are added in block order. With act set, each
// block of dy is first computed as act says (pool gradient, activation
// gradient).
func (be *Backend) biasGradOf(rows, cols, blockRows int, dy, db []float32, act *biasGradTask) {
	blocks := (rows + blockRows - 1) / blockRows
	be.biasPartial = grow(be.biasPartial, blocks*cols)
	pool := be.pool()
	be.reserve(0, runRows(cols)*cols)
	t := &be.biasGrad
	if act != nil {
		*t = *act
	}
	t.rows, t.cols, t.blockRows, t.dy, t.part, t.mem = rows, cols, blockRows, dy, be.biasPartial, be.mem
	if t.pool != nil {
		t.pool.mem = be.mem
	}
	if blocks == 1 {
		t.do(0, 0)
	} else {
		pool.run(t, blocks)
	}
	*t = biasGradTask{}
	copy(db, be.biasPartial[:cols])
	for bl := 1; bl < blocks; bl++ {
		addTo(db, be.biasPartial[bl*cols:(bl+1)*cols])
	}
}

// biasGradTask: item bl sums rows [bl·blockRows, (bl+1)·blockRows) of dy
// into part[bl·cols:]. Runs of rows are added as vectors into a run-wide
// accumulator whose rows are then added in order. With pool, the block's
// samples of dy are first written as the pool's input gradient; with act, a
// run of dy is then written as f'(z)·g.
type biasGradTask struct {
	rows, cols, blockRows int
	dy, part              []float32
	mem                   []workerMem
	act                   bool
	f                     engine.Activation
	alpha                 float32
	z, y, g               []float32
	pool                  *poolTask // backward, dx = dy; blocks are whole samples
}

func (t *biasGradTask) do(w, bl int) {
	run := runRows(t.cols)
	wide := t.mem[w].cols[:run*t.cols]
	clear(wide)
	r0, end := bl*t.blockRows, min(t.rows, (bl+1)*t.blockRows)
	if t.pool != nil {
		pix := t.pool.p.H * t.pool.p.W
		for n := r0 / pix; n < end/pix; n++ {
			t.pool.do(w, n)
		}
	}
	for r := r0; r < end; r += run {
		a, b := r*t.cols, r*t.cols+min(run, end-r)*t.cols
		switch {
		case t.act && t.f == engine.ReLU:
			reluGradSum(t.dy[a:b], t.z[a:b], t.g[a:b], wide[:b-a])
			continue
		case t.act:
			activationBackward(t.f, t.alpha, t.z, t.y, t.g, t.dy, a, b)
		}
		addTo(wide[:b-a], t.dy[a:b])
	}
	acc := t.part[bl*t.cols : (bl+1)*t.cols]
	copy(acc, wide[:t.cols])
	for l := 1; l < run; l++ {
		addTo(acc, wide[l*t.cols:(l+1)*t.cols])
	}
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func (be *Backend) ActivationForward(f engine.Activation, alpha float32, n int, x, y engine.Buffer) {
	checkElementwise("ActivationForward", f)
	t := &be.elem
	*t = elemTask{kind: kActForward, n: n, grain: grainElems, f: f, s0: alpha, x: data(x)[:n], y: data(y)[:n]}
	be.elementwise(t)
}

func activationForward(f engine.Activation, alpha float32, xs, ys []float32) {
	switch f {
	case engine.Linear:
		copy(ys, xs)
	case engine.ReLU:
		relu(ys, xs)
	case engine.LeakyReLU:
		ys = ys[:len(xs)]
		for i, v := range xs {
			if v < 0 {
				v *= alpha
			}
			ys[i] = v
		}
	case engine.Sigmoid:
		ys = ys[:len(xs)]
		for i, v := range xs {
			ys[i] = sigmoid(v)
		}
	case engine.Tanh:
		ys = ys[:len(xs)]
		for i, v := range xs {
			ys[i] = float32(math.Tanh(float64(v)))
		}
	}
}

func (be *Backend) ActivationBackward(f engine.Activation, alpha float32, n int, x, y, dy, dx engine.Buffer) {
	checkElementwise("ActivationBackward", f)
	t := &be.elem
	*t = elemTask{kind: kActBackward, n: n, grain: grainElems, f: f, s0: alpha, x: data(x), y: data(y), z: data(dy)[:n], w: data(dx)[:n]}
	be.elementwise(t)
}

// activationBackward writes dx[lo:hi] = f'(x)·dy.
func activationBackward(f engine.Activation, alpha float32, x, y, dy, dx []float32, lo, hi int) {
	g, d := dy[lo:hi], dx[lo:hi]
	switch f {
	case engine.Linear:
		copy(d, g)
	case engine.ReLU: // gradient 0 at x == 0, as TensorFlow
		reluGrad(d, x[lo:hi], g)
	case engine.LeakyReLU:
		xs := x[lo:hi]
		for i, v := range xs {
			if v > 0 {
				d[i] = g[i]
			} else {
				d[i] = alpha * g[i]
			}
		}
	case engine.Sigmoid:
		ys := y[lo:hi]
		for i, v := range ys {
			d[i] = g[i] * v * (1 - v)
		}
	case engine.Tanh:
		ys := y[lo:hi]
		for i, v := range ys {
			d[i] = g[i] * (1 - v*v)
		}
	}
}

// reluGo: y = max(x, 0) (NaN stays NaN, -0 becomes +0, as Go's max).
func reluGo(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// reluGradGo: dx = dy where x > 0, else +0.
func reluGradGo(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & positiveMask(v))
	}
}

// addToGo: dst += src element-wise.
func addToGo(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

func (be *Backend) SoftmaxForward(rows, cols int, x, y engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kSoftmaxForward, n: rows, grain: rowGrain(cols), cols: cols, x: data(x), y: data(y)}
	be.elementwise(t)
}

// softmaxRow writes softmax(z) to p and returns log Σ exp(z), in float64.
func softmaxRow(z, p []float32) float64 {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	// Rows of up to 64 values keep their exponentials on the stack rather
	// than computing them twice: the same values, so the same bits.
	var e [64]float64
	if len(z) <= len(e) {
		for j, v := range z {
			e[j] = math.Exp(float64(v - m))
			s += e[j]
		}
		p = p[:len(z)]
		for j := range p {
			p[j] = float32(e[j] / s)
		}
		return float64(m) + math.Log(s)
	}
	for _, v := range z {
		s += math.Exp(float64(v - m))
	}
	for j, v := range z {
		p[j] = float32(math.Exp(float64(v-m)) / s)
	}
	return float64(m) + math.Log(s)
}

func (be *Backend) SoftmaxBackward(rows, cols int, y, dy, dx engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kSoftmaxBackward, n: rows, grain: rowGrain(cols), cols: cols, x: data(y), y: data(dy), z: data(dx)}
	be.elementwise(t)
}

func (be *Backend) DropoutForward(n int, rate float32, seed, offset uint64, x, y, mask engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kDropout, n: n, grain: grainElems, s0: rate, s1: 1 / (1 - rate), seed: seed, offset: offset,
		x: data(x)[:n], y: data(y)[:n], z: data(mask)[:n]}
	be.elementwise(t)
}

func (*Backend) GatherRows(rows, cols int, idx, src, dst engine.Buffer) {
	ix, s, d := data(idx)[:rows], data(src), data(dst)[:rows*cols]
	for r, v := range ix {
		row := int(v)
		copy(d[r*cols:(r+1)*cols], s[row*cols:(row+1)*cols])
	}
}

func (be *Backend) Mul(n int, x, y, z engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kMul, n: n, grain: grainElems, x: data(x)[:n], y: data(y)[:n], z: data(z)[:n]}
	be.elementwise(t)
}

// positiveMask is all ones when x > 0 (and x is not NaN) and zero otherwise,
// without a branch: for the int32 view b of x, b > 0 exactly when x > +0,
// and ^((b-1)|b) has its sign bit set exactly then.
func positiveMask(x float32) uint32 {
	b := int32(math.Float32bits(x))
	return uint32(^((b - 1) | b) >> 31)
}

// copyLarge copies src into dst (same length) on the workers when it is at
// least two grains of values.
func (be *Backend) copyLarge(dst, src []float32) {
	if len(src) < 2*grainElems {
		copy(dst, src)
		return
	}
	t := &be.elem
	*t = elemTask{kind: kCopy, n: len(src), grain: grainElems, x: src, y: dst[:len(src)]}
	be.elementwise(t)
}
