package cpu

import (
	"math"

	"mnistgpu/engine"
)

func (*Backend) SGDStep(n int, lr, momentum float32, nesterov bool, w, g, v engine.Buffer) {
	wd, gd := data(w)[:n], data(g)[:n]
	if momentum == 0 {
		parallelFor(n, grainElems, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				wd[i] -= lr * gd[i]
			}
		})
		return
	}
	vd := data(v)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			vi := momentum*vd[i] - lr*gd[i]
			vd[i] = vi
			if nesterov {
				wd[i] += momentum*vi - lr*gd[i]
			} else {
				wd[i] += vi
			}
		}
	})
}

func (*Backend) AdamStep(n int, lrT, beta1, beta2, eps float32, w, g, m, v engine.Buffer) {
	wd, gd, md, vd := data(w)[:n], data(g)[:n], data(m)[:n], data(v)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		adam(wd[lo:hi], gd[lo:hi], md[lo:hi], vd[lo:hi], lrT, beta1, beta2, eps)
	})
}

// adamGo is the Keras Adam update; optim_amd64.s repeats it operation for
// operation, so the vector and scalar paths give identical bits.
func adamGo(w, g, m, v []float32, lrT, beta1, beta2, eps float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		mi := beta1*m[i] + (1-beta1)*gi
		vi := beta2*v[i] + (1-beta2)*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= lrT * mi / (float32(math.Sqrt(float64(vi))) + eps)
	}
}

func (*Backend) RMSpropStep(n int, lr, rho, eps float32, w, g, ms engine.Buffer) {
	wd, gd, md := data(w)[:n], data(g)[:n], data(ms)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gi := gd[i]
			mi := rho*md[i] + (1-rho)*(gi*gi)
			md[i] = mi
			wd[i] -= lr * gi / (float32(math.Sqrt(float64(mi))) + eps)
		}
	})
}

func (*Backend) AdagradStep(n int, lr, eps float32, w, g, acc engine.Buffer) {
	wd, gd, ad := data(w)[:n], data(g)[:n], data(acc)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gi := gd[i]
			a := ad[i] + gi*gi
			ad[i] = a
			wd[i] -= lr * gi / (float32(math.Sqrt(float64(a))) + eps)
		}
	})
}

func (*Backend) WeightDecay(n int, rate float32, w engine.Buffer) {
	wd := data(w)[:n]
	parallelFor(n, grainElems, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			wd[i] -= wd[i] * rate
		}
	})
}
