package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Row gathers copy exactly, in any order, with repeats.
func gatherCases(r *rand.Rand) []kase {
	var ks []kase
	for _, c := range [][3]int{{1, 1, 3}, {64, 784, 300}, {37, 10, 5}} {
		rows, cols, srcRows := c[0], c[1], c[2]
		idx := make([]float32, rows)
		for i := range idx {
			idx[i] = float32(r.IntN(srcRows))
		}
		idx[rows-1] = float32(srcRows - 1)
		ks = append(ks, kase{op: "GatherRows", shape: fmt.Sprintf("%dx%d from %d rows", rows, cols, srcRows),
			init:   [][]float32{idx, randVec(r, srcRows*cols, -1, 1), make([]float32, rows*cols)},
			poison: []int{2}, check: []int{2},
			run: func(b engine.Backend, v []engine.Buffer) { b.GatherRows(rows, cols, v[0], v[1], v[2]) }})
	}
	return ks
}

// A batch's inputs and targets gathered with one index, repeats included.
func batchGatherCases(r *rand.Rand) []kase {
	var ks []kase
	for _, c := range [][4]int{{1, 1, 1, 3}, {64, 784, 10, 300}, {37, 5, 12, 5}} {
		rows, xCols, tCols, srcRows := c[0], c[1], c[2], c[3]
		idx := make([]float32, rows)
		for i := range idx {
			idx[i] = float32(r.IntN(srcRows))
		}
		idx[rows-1] = float32(srcRows - 1)
		ks = append(ks, kase{op: "GatherBatch", shape: fmt.Sprintf("%dx(%d+%d) from %d rows", rows, xCols, tCols, srcRows),
			init: [][]float32{idx, randVec(r, srcRows*xCols, -1, 1), make([]float32, rows*xCols),
				randVec(r, srcRows*tCols, -1, 1), make([]float32, rows*tCols)},
			poison: []int{2, 4}, check: []int{2, 4},
			run: func(b engine.Backend, v []engine.Buffer) {
				engine.GatherBatch(b, rows, v[0], xCols, v[1], v[2], tCols, v[3], v[4])
			}})
	}
	for _, s := range [][2]int{{1, 10}, {64, 10}, {5, 3}, {300, 10}} {
		rows, cols := s[0], s[1]
		z := randVec(r, rows*cols, -5, 5)
		z[0] = 80
		ks = append(ks, kase{op: "SoftmaxCrossEntropyMetrics", shape: fmt.Sprintf("%dx%d", rows, cols),
			atol: 1e-5 * math.Sqrt(float64(rows)), rtol: 1e-5,
			init: [][]float32{z, oneHot(r, rows, cols), make([]float32, rows*cols), make([]float32, rows*cols),
				make([]float32, rows), make([]float32, rows), {2.5, 7, 3, 0}, {0, 0}},
			poison: []int{2, 3, 4, 5, 7}, check: []int{2, 3, 4, 5, 7},
			run: func(b engine.Backend, v []engine.Buffer) {
				// The sums only: the record after them is MetricsRecord's.
				engine.SoftmaxCrossEntropyMetrics(b, rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3], v[4], v[5], v[6])
				b.Copy(v[7], v[6].Slice(engine.MetricLoss, 2))
			}})
	}
	return ks
}
