package cpu

import (
	"math"

	"mnistgpu/engine"
)

func (*Backend) SoftmaxCrossEntropy(rows, cols int, scale float32, z, t, probs, dz, loss engine.Buffer) {
	zd, td, pd, dzd, ld := data(z), data(t), data(probs), data(dz), data(loss)
	for r := 0; r < rows; r++ {
		zs, ts, ps, ds := zd[r*cols:(r+1)*cols], td[r*cols:(r+1)*cols], pd[r*cols:(r+1)*cols], dzd[r*cols:(r+1)*cols]
		lse := softmaxRow(zs, ps)
		var l, sumT float64
		for j, tv := range ts {
			l += float64(tv) * (lse - float64(zs[j]))
			sumT += float64(tv)
		}
		ld[r] = float32(l)
		for j := range ds {
			ds[j] = scale * float32(sumT*float64(ps[j])-float64(ts[j]))
		}
	}
}

// bceEpsilon is Keras's backend epsilon, the probability clip.
const bceEpsilon = 1e-7

func (*Backend) BinaryCrossEntropy(rows, cols int, scale float32, p, t, dp, loss engine.Buffer) {
	pd, td, dpd, ld := data(p), data(t), data(dp), data(loss)
	for r := 0; r < rows; r++ {
		var l float64
		for j := 0; j < cols; j++ {
			i := r*cols + j
			pv, tv := float64(pd[i]), float64(td[i])
			clipped := math.Min(math.Max(pv, bceEpsilon), 1-bceEpsilon)
			l -= tv*math.Log(clipped) + (1-tv)*math.Log(1-clipped)
			g := 0.0
			if pv > bceEpsilon && pv < 1-bceEpsilon {
				g = (pv - tv) / (pv * (1 - pv))
			}
			dpd[i] = float32(float64(scale) / float64(cols) * g)
		}
		ld[r] = float32(l / float64(cols))
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func (*Backend) Accuracy(rows, cols int, p, t, correct engine.Buffer) {
	pd, td, cd := data(p), data(t), data(correct)
	for r := 0; r < rows; r++ {
		if argmax(pd[r*cols:(r+1)*cols]) == argmax(td[r*cols:(r+1)*cols]) {
			cd[r] = 1
		} else {
			cd[r] = 0
		}
	}
}

func (*Backend) SumInto(n int, x, acc engine.Buffer) {
	var s float32
	for _, v := range data(x)[:n] {
		s += v
	}
	data(acc)[0] += s
}
