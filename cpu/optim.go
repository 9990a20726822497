package cpu

import (
	"math"

	"mnistgpu/engine"
)

func (be *Backend) SGDStep(n int, lr, momentum float32, nesterov bool, w, g, v engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kSGD, n: n, grain: grainElems, s0: lr, s1: momentum, flag: nesterov, w: data(w)[:n], x: data(g)[:n]}
	if momentum != 0 {
		t.v = data(v)[:n]
	}
	be.elementwise(t)
}

// minNormal is the smallest normal float32. Optimizer state that decays
// (Adam's moments, momentum's velocity, RMSprop's mean square) is stored as
// zero once its magnitude falls below it: a weight whose gradient is always
// zero (an MNIST border pixel's) would otherwise keep a state stuck at a few
// subnormal units, which round to themselves when scaled by β, and every
// later step would pay the processor's slow subnormal path (an MLP step
// took 0.65 ms instead of 0.28 after a few epochs). Keras on the CPU runs
// with subnormals flushed to zero (TensorFlow's threads set FTZ/DAZ); the
// cuda backend applies the same rule (kernels/optim.cu). NaN is kept.
const minNormal = 0x1p-126

// flushState is x, or 0 where |x| < minNormal.
func flushState(x float32) float32 {
	if x > -minNormal && x < minNormal {
		return 0
	}
	return x
}

// sgdGo updates w from g; v[off:] is the velocity (unused without
// momentum). Each product is rounded before it is added (the float32
// conversions): Go may fuse x*y+z into one multiply-add on arm64 and not on
// amd64, and explicit rounding gives the same bits on both, and the NEON
// twin's (optim_arm64.s).
func sgdGo(w, g, v []float32, off int, lr, momentum float32, nesterov bool) {
	g = g[:len(w)]
	if momentum == 0 {
		for i := range w {
			w[i] -= float32(lr * g[i])
		}
		return
	}
	v = v[off : off+len(w)]
	for i := range w {
		vi := flushState(float32(momentum*v[i]) - float32(lr*g[i]))
		v[i] = vi
		if nesterov {
			w[i] += float32(momentum*vi) - float32(lr*g[i])
		} else {
			w[i] += vi
		}
	}
}

func (be *Backend) AdamStep(n int, lrT, beta1, beta2, eps float32, w, g, m, v engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kAdam, n: n, grain: grainElems, s0: lrT, s1: beta1, s2: beta2, s3: eps,
		w: data(w)[:n], x: data(g)[:n], y: data(m)[:n], v: data(v)[:n]}
	be.elementwise(t)
}

// adamGo is the Keras Adam update; optim_amd64.s and optim_arm64.s repeat
// it operation for operation, so the vector and scalar paths give identical
// bits. Products are rounded before they are added (the float32
// conversions), as sgdGo's, so that arm64, where Go may fuse them, gives
// amd64's bits.
func adamGo(w, g, m, v []float32, lrT, beta1, beta2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		mi := flushState(float32(beta1*m[i]) + float32((1-beta1)*gi))
		vi := flushState(float32(beta2*v[i]) + float32((1-beta2)*gi*gi))
		m[i], v[i] = mi, vi
		w[i] -= lrT * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

func (be *Backend) RMSpropStep(n int, lr, rho, eps float32, w, g, ms engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kRMSprop, n: n, grain: grainElems, s0: lr, s1: rho, s2: eps, w: data(w)[:n], x: data(g)[:n], v: data(ms)[:n]}
	be.elementwise(t)
}

func (be *Backend) AdagradStep(n int, lr, eps float32, w, g, acc engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kAdagrad, n: n, grain: grainElems, s0: lr, s1: eps, w: data(w)[:n], x: data(g)[:n], v: data(acc)[:n]}
	be.elementwise(t)
}

func (be *Backend) WeightDecay(n int, rate float32, w engine.Buffer) {
	t := &be.elem
	*t = elemTask{kind: kWeightDecay, n: n, grain: grainElems, s0: rate, w: data(w)[:n]}
	be.elementwise(t)
}
