package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Softmax, losses, accuracy, sums.
func lossCases(r *rand.Rand) []kase {
	var ks []kase
	for _, s := range [][2]int{{1, 10}, {64, 10}, {5, 3}} {
		rows, cols := s[0], s[1]
		shape := fmt.Sprintf("%dx%d", rows, cols)
		z := randVec(r, rows*cols, -5, 5)
		z[0] = 80 // large logits must not overflow
		t := oneHot(r, rows, cols)
		y := RefSoftmax(rows, cols, F64(z))
		p := F32(y)
		p[0], p[1] = 1e-9, 1 // at and beyond the BCE clip
		tied := quantised(r, rows*cols)
		ks = append(ks,
			kase{op: "SoftmaxForward", shape: shape, atol: elemAtol, rtol: 1e-5,
				init: [][]float32{z, make([]float32, rows*cols)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.SoftmaxForward(rows, cols, v[0], v[1]) }},
			kase{op: "SoftmaxBackward", shape: shape, atol: elemAtol, rtol: 1e-5,
				init: [][]float32{F32(y), randVec(r, rows*cols, -1, 1), make([]float32, rows*cols)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.SoftmaxBackward(rows, cols, v[0], v[1], v[2]) }},
			kase{op: "SoftmaxCrossEntropy", shape: shape, atol: elemAtol, rtol: 1e-5,
				init:   [][]float32{z, t, make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows)},
				poison: []int{2, 3, 4}, check: []int{2, 3, 4},
				run: func(b engine.Backend, v []engine.Buffer) {
					b.SoftmaxCrossEntropy(rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3], v[4])
				}},
			kase{op: "BinaryCrossEntropy", shape: shape, atol: 1e-5, rtol: 1e-5,
				init:   [][]float32{p, t, make([]float32, rows*cols), make([]float32, rows)},
				poison: []int{2, 3}, check: []int{2, 3},
				run: func(b engine.Backend, v []engine.Buffer) {
					b.BinaryCrossEntropy(rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3])
				}},
			kase{op: "Accuracy", shape: shape + " ties",
				init: [][]float32{tied, t, make([]float32, rows)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Accuracy(rows, cols, v[0], v[1], v[2]) }},
		)
	}
	// A NaN probability (a diverged network) gives its row a NaN loss, as
	// Go's math.Max does, and no gradient: CUDA's fmax drops the NaN, which
	// left the loss finite and a diverged run training on.
	p, t := randVec(r, 3*4, 0.1, 0.9), oneHot(r, 3, 4)
	p[5] = float32(math.NaN())
	ks = append(ks, kase{op: "BinaryCrossEntropy", shape: "3x4 a NaN probability", atol: 1e-5, rtol: 1e-5,
		init:   [][]float32{p, t, make([]float32, 3*4), make([]float32, 3)},
		poison: []int{2, 3}, check: []int{2, 3},
		run: func(b engine.Backend, v []engine.Buffer) {
			b.BinaryCrossEntropy(3, 4, 1/float32(3), v[0], v[1], v[2], v[3])
		}})
	for _, n := range []int{1, 64, 1000} {
		n := n
		ks = append(ks, kase{op: "SumInto", shape: fmt.Sprintf("n=%d", n), atol: 1e-5 * math.Sqrt(float64(n)), rtol: 1e-6,
			init: [][]float32{randVec(r, n, 0, 3), {2.5}}, check: []int{1},
			run: func(b engine.Backend, v []engine.Buffer) { b.SumInto(n, v[0], v[1]) }})
	}
	// The sums of AddMetrics; the record after them is MetricsRecord's.
	for _, n := range []int{1, 64, 1000} {
		loss, correct := randVec(r, n, 0, 3), make([]float32, n)
		for i := range correct {
			correct[i] = float32(r.IntN(2))
		}
		ks = append(ks, kase{op: "AddMetrics", shape: fmt.Sprintf("n=%d", n), atol: 1e-5 * math.Sqrt(float64(n)), rtol: 1e-6,
			init: [][]float32{loss, correct, {2.5, 7, 3, 0}, {0, 0}}, poison: []int{3}, check: []int{3},
			run: func(b engine.Backend, v []engine.Buffer) {
				engine.AddMetrics(b, n, v[0], v[1], v[2])
				b.Copy(v[3], v[2].Slice(engine.MetricLoss, 2))
			}})
	}
	return ks
}
