package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Bias.
func biasCases(r *rand.Rand) []kase {
	var ks []kase
	for _, s := range [][2]int{{1, 1}, {50176, 32}, {64, 128}, {7, 10}, {700, 33}} {
		rows, cols := s[0], s[1]
		shape := fmt.Sprintf("%dx%d", rows, cols)
		ks = append(ks,
			kase{op: "BiasAdd", shape: shape, atol: elemAtol, rtol: elemRtol,
				init: [][]float32{randVec(r, rows*cols, -1, 1), randVec(r, cols, -1, 1)}, check: []int{0},
				run: func(b engine.Backend, v []engine.Buffer) { b.BiasAdd(rows, cols, v[0], v[1]) }},
			kase{op: "BiasGrad", shape: shape, atol: sumAtol * math.Sqrt(float64(rows)), rtol: sumRtol,
				init: [][]float32{randVec(r, rows*cols, -1, 1), make([]float32, cols)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.BiasGrad(rows, cols, v[0], v[1]) }},
		)
	}
	return ks
}
