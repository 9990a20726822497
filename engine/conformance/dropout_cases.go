package conformance

import (
	"fmt"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Dropout masks must match engine.Uniform exactly on every device.
func dropoutCases(r *rand.Rand) []kase {
	var ks []kase
	for _, n := range []int{1, 1000, 65537} {
		n := n
		ks = append(ks,
			kase{op: "DropoutForward", shape: fmt.Sprintf("n=%d rate=0.3", n),
				init:   [][]float32{randVec(r, n, -1, 1), make([]float32, n), make([]float32, n)},
				poison: []int{1, 2}, check: []int{1, 2},
				run: func(b engine.Backend, v []engine.Buffer) { b.DropoutForward(n, 0.3, 77, 1<<33, v[0], v[1], v[2]) }},
			kase{op: "Mul", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{randVec(r, n, -1, 1), randVec(r, n, -2, 2), make([]float32, n)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Mul(n, v[0], v[1], v[2]) }},
		)
	}
	return ks
}
