package conformance

import (
	"fmt"
	"math/rand/v2"

	"mnistgpu/engine"
)

// special are activation inputs at the kinks (exact zeros for ReLU) and in
// saturation (±30, ±100; exp(88) is near float32's largest value).
var special = []float32{0, 0, -0, 1e-8, -1e-8, 30, -30, 100, -100, 88, -88}

// Activations: exact zeros for ReLU's kink, ±30/±100 for saturation.
func activationCases(r *rand.Rand) []kase {
	var ks []kase
	for _, f := range []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
		for _, n := range []int{1, 11, 100003} {
			x := randVec(r, n, -4, 4)
			copy(x, special)
			alpha := float32(0.2)
			f := f
			y := make([]float32, n)
			RefBackend{}.ActivationForward(f, alpha, n, &refBuf{x}, &refBuf{y})
			dy := randVec(r, n, -1, 1)
			shape := fmt.Sprintf("n=%d", n)
			ks = append(ks,
				kase{op: "ActivationForward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{x, make([]float32, n)}, poison: []int{1}, check: []int{1},
					run: func(b engine.Backend, v []engine.Buffer) { b.ActivationForward(f, alpha, n, v[0], v[1]) }},
				kase{op: "ActivationBackward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{x, y, dy, make([]float32, n)}, poison: []int{3}, check: []int{3},
					run: func(b engine.Backend, v []engine.Buffer) { b.ActivationBackward(f, alpha, n, v[0], v[1], v[2], v[3]) }},
			)
		}
	}
	return ks
}
