package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Fused kernels, against their definitions: bias with activation each
// way over the report's shapes, odd ones, and more than one block of
// rows and of columns; the loss with its metrics, more rows than a block
// of threads, metrics accumulated onto earlier values.
func fusedCases(r *rand.Rand) []kase {
	var ks []kase
	for _, s := range [][2]int{{1, 1}, {50176, 32}, {64, 128}, {7, 10}, {700, 33}} {
		rows, cols := s[0], s[1]
		for _, f := range []engine.Activation{engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
			f, alpha := f, float32(0.2)
			shape := fmt.Sprintf("%dx%d", rows, cols)
			z := randVec(r, rows*cols, -4, 4)
			copy(z, special)
			bias := randVec(r, cols, -1, 1)
			zb, y := make([]float32, rows*cols), make([]float32, rows*cols)
			copy(zb, z)
			engine.BiasActivationForward(RefBackend{}, f, alpha, rows, cols, &refBuf{zb}, &refBuf{bias}, &refBuf{y})
			ks = append(ks,
				kase{op: "BiasActivationForward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{z, bias, make([]float32, rows*cols)}, poison: []int{2}, check: []int{0, 2},
					run: func(b engine.Backend, v []engine.Buffer) {
						engine.BiasActivationForward(b, f, alpha, rows, cols, v[0], v[1], v[2])
					}},
				kase{op: "ActivationBackwardBiasGrad/" + f.String(), shape: shape, atol: sumAtol * math.Sqrt(float64(rows)), rtol: sumRtol,
					init:   [][]float32{zb, y, randVec(r, rows*cols, -1, 1), make([]float32, rows*cols), make([]float32, cols)},
					poison: []int{3, 4}, check: []int{3, 4},
					run: func(b engine.Backend, v []engine.Buffer) {
						engine.ActivationBackwardBiasGrad(b, f, alpha, rows, cols, v[0], v[1], v[2], v[3], v[4])
					}},
			)
		}
	}
	return ks
}

// The pool's backward pass fused with the activation and bias gradients
// below it: quantised z for ties in the pool (ReLU's zeros) and at the
// kink, overlapping and padded windows.
func poolFusedCases(r *rand.Rand) []kase {
	var ks []kase
	for _, c := range []struct {
		n, h, w, ch, ph, pw, sh, sw int
		pad                         engine.Padding
	}{
		{4, 28, 28, 32, 2, 2, 2, 2, engine.Valid},
		{2, 14, 14, 64, 2, 2, 2, 2, engine.Valid},
		{1, 7, 5, 3, 3, 3, 2, 2, engine.Same},
		{3, 6, 6, 40, 3, 3, 1, 1, engine.Same},
	} {
		p, err := engine.NewPoolParams(c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad)
		if err != nil {
			panic(err)
		}
		for _, f := range []engine.Activation{engine.ReLU, engine.LeakyReLU, engine.Tanh} {
			f, alpha := f, float32(0.2)
			nx, ny := c.n*c.h*c.w*c.ch, p.N*p.OH*p.OW*p.C
			z, x, y := quantised(r, nx), make([]float32, nx), make([]float32, ny)
			RefBackend{}.ActivationForward(f, alpha, nx, &refBuf{z}, &refBuf{x})
			RefBackend{}.MaxPoolForward(p, &refBuf{x}, &refBuf{y})
			ks = append(ks, kase{op: "MaxPoolActivationBackwardBiasGrad/" + f.String(),
				shape: fmt.Sprintf("n%d %dx%dx%d %dx%d/%dx%d %s", c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad),
				atol:  sumAtol * math.Sqrt(float64(nx/c.ch)), rtol: sumRtol,
				init:   [][]float32{z, x, y, randVec(r, ny, -1, 1), make([]float32, nx), make([]float32, c.ch)},
				poison: []int{4, 5}, check: []int{4, 5},
				run: func(b engine.Backend, v []engine.Buffer) {
					engine.MaxPoolActivationBackwardBiasGrad(b, p, f, alpha, v[0], v[1], v[2], v[3], v[4], v[5])
				}})
		}
	}
	return ks
}
