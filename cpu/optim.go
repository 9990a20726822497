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
		for i := lo; i < hi; i++ {
			gi := gd[i]
			mi := beta1*md[i] + (1-beta1)*gi
			vi := beta2*vd[i] + (1-beta2)*gi*gi
			md[i], vd[i] = mi, vi
			wd[i] -= lrT * mi / (float32(math.Sqrt(float64(vi))) + eps)
		}
	})
}
