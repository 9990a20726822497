package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFusedLoopsGiveTheirPassesBits: the portable path's fused loops
// (biasReLUGo, reluGradSumGo) give the bits of the two passes they replace
// (NaN payloads aside, as between the vector kernels and their twins) at
// every length, with NaNs, infinities, signed zeros and subnormals, and in
// place (y = z, dx = dy); so do biasReLU and reluGradSum, the vector
// kernels' two passes where the CPU has them.
func TestFusedLoopsGiveTheirPassesBits(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 15))
	for _, n := range twinLengths {
		for _, off := range []int{0, 1, 3} {
			z, bias := misaligned(vectorInputs(r, n), off), vectorInputs(r, n)
			z2, y2 := slices.Clone(z), make([]float32, n)
			addToGo(z2, bias)
			reluGo(y2, z2)
			z1, y1 := slices.Clone(z), misaligned(make([]float32, n), off+1)
			biasReLUGo(z1, bias, y1)
			sameBits(t, "biasReLUGo z", z1, z2)
			sameBits(t, "biasReLUGo y", y1, y2)
			z1 = slices.Clone(z)
			biasReLUGo(z1, bias, z1)
			sameBits(t, "biasReLUGo in place", z1, y2)
			z1, y1 = slices.Clone(z), make([]float32, n)
			biasReLU(z1, bias, y1)
			sameBits(t, "biasReLU z", z1, z2)
			sameBits(t, "biasReLU y", y1, y2)

			x, dy, acc := misaligned(vectorInputs(r, n), off), vectorInputs(r, n), vectorInputs(r, n)
			dx2, acc2 := make([]float32, n), slices.Clone(acc)
			reluGradGo(dx2, x, dy)
			addToGo(acc2, dx2)
			dx1, acc1 := misaligned(make([]float32, n), off+2), slices.Clone(acc)
			reluGradSumGo(dx1, x, dy, acc1)
			sameBits(t, "reluGradSumGo dx", dx1, dx2)
			sameBits(t, "reluGradSumGo acc", acc1, acc2)
			g, acc1 := slices.Clone(dy), slices.Clone(acc)
			reluGradSumGo(g, x, g, acc1)
			sameBits(t, "reluGradSumGo in place dx", g, dx2)
			sameBits(t, "reluGradSumGo in place acc", acc1, acc2)
			dx1, acc1 = make([]float32, n), slices.Clone(acc)
			reluGradSum(dx1, x, dy, acc1)
			sameBits(t, "reluGradSum dx", dx1, dx2)
			sameBits(t, "reluGradSum acc", acc1, acc2)
		}
	}
}
