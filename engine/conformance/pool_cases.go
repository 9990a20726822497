package conformance

import (
	"fmt"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Max pooling, with ties on purpose (quantised inputs).
func poolCases(r *rand.Rand) []kase {
	var ks []kase
	for _, c := range []struct {
		n, h, w, ch, ph, pw, sh, sw int
		pad                         engine.Padding
		ties                        bool
	}{
		{2, 28, 28, 32, 2, 2, 2, 2, engine.Valid, false},
		{2, 14, 14, 64, 2, 2, 2, 2, engine.Valid, true},
		{1, 7, 5, 3, 2, 2, 2, 2, engine.Valid, true},
		{1, 7, 5, 3, 3, 3, 2, 2, engine.Same, true},
		{3, 6, 6, 2, 3, 3, 1, 1, engine.Same, false},
	} {
		p, err := engine.NewPoolParams(c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad)
		if err != nil {
			panic(err)
		}
		shape := fmt.Sprintf("n%d %dx%dx%d %dx%d/%dx%d %s ties=%v", c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad, c.ties)
		nx, ny := c.n*c.h*c.w*c.ch, p.N*p.OH*p.OW*p.C
		x := randVec(r, nx, -1, 1)
		if c.ties {
			x = quantised(r, nx)
		}
		dy := randVec(r, ny, -1, 1)
		y := make([]float32, ny)
		RefBackend{}.MaxPoolForward(p, &refBuf{x}, &refBuf{y})
		ks = append(ks,
			kase{op: "MaxPoolForward", shape: shape, init: [][]float32{x, make([]float32, ny)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.MaxPoolForward(p, v[0], v[1]) }},
			kase{op: "MaxPoolBackward", shape: shape, atol: elemAtol, rtol: elemRtol,
				init: [][]float32{x, y, dy, make([]float32, nx)}, poison: []int{3}, check: []int{3},
				run: func(b engine.Backend, v []engine.Buffer) { b.MaxPoolBackward(p, v[0], v[1], v[2], v[3]) }},
		)
	}
	return ks
}
