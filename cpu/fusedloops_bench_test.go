package cpu

import (
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
)

// BenchmarkFusedElementwise times the two calls of the report's CNN whose
// portable loops are fused (fusedloops.go), at its first convolution's
// output, batch 64 (64×26×26 rows of 32 channels): the bias add and ReLU,
// and the 2×2 max pool's, ReLU's and the bias's gradients. Compare builds
// with `-tags noasm` (docs/performance.md).
func BenchmarkFusedElementwise(b *testing.B) {
	be := New()
	r := rand.New(rand.NewPCG(1, 2))
	buf := func(n int) engine.Buffer {
		x, err := be.Alloc(n)
		if err != nil {
			b.Fatal(err)
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
		be.CopyIn(x, v)
		return x
	}
	const n, h, w, c = 64, 26, 26, 32
	rows := n * h * w
	z, bias, y := buf(rows*c), buf(c), buf(rows*c)
	b.Run("bias+relu", func(b *testing.B) {
		for b.Loop() {
			be.BiasActivationForward(engine.ReLU, 0, rows, c, z, bias, y)
		}
	})
	p, err := engine.NewPoolParams(n, h, w, c, 2, 2, 2, 2, engine.Valid)
	if err != nil {
		b.Fatal(err)
	}
	x, py, dy, dz, db := buf(rows*c), buf(p.OH*p.OW*n*c), buf(p.OH*p.OW*n*c), buf(rows*c), buf(c)
	be.MaxPoolForward(p, x, py)
	b.Run("pool+relu+bias grad", func(b *testing.B) {
		for b.Loop() {
			be.MaxPoolActivationBackwardBiasGrad(p, engine.ReLU, 0, z, x, py, dy, dz, db)
		}
	})
}
