package conformance

import (
	"fmt"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Optimizers: one step from random state.
func optimizerCases(r *rand.Rand) []kase {
	var ks []kase
	for _, n := range []int{1, 421642} {
		n := n
		w, g, m, v := randVec(r, n, -1, 1), randVec(r, n, -1, 1), randVec(r, n, -0.1, 0.1), randVec(r, n, 0, 0.01)
		for _, c := range []struct {
			mom      float32
			nesterov bool
		}{{0, false}, {0.9, false}, {0.9, true}} {
			c := c
			ks = append(ks, kase{op: "SGDStep", shape: fmt.Sprintf("n=%d momentum=%g nesterov=%v", n, c.mom, c.nesterov), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, m}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.SGDStep(n, 0.1, c.mom, c.nesterov, x[0], x[1], x[2]) }})
		}
		ks = append(ks,
			kase{op: "RMSpropStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, v}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.RMSpropStep(n, 0.001, 0.9, 1e-7, x[0], x[1], x[2]) }},
			kase{op: "AdagradStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, v}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.AdagradStep(n, 0.01, 1e-7, x[0], x[1], x[2]) }},
			kase{op: "WeightDecay", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w}, check: []int{0},
				run: func(b engine.Backend, x []engine.Buffer) { b.WeightDecay(n, 0.004*0.001, x[0]) }})
		ks = append(ks, kase{op: "AdamStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
			init: [][]float32{w, g, m, v}, check: []int{0, 2, 3},
			run: func(b engine.Backend, x []engine.Buffer) {
				b.AdamStep(n, 0.001, 0.9, 0.999, 1e-7, x[0], x[1], x[2], x[3])
			}})
	}
	return ks
}
