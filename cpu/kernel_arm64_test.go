//go:build arm64 && !noasm

package cpu

import (
	"math/rand/v2"
	"testing"
)

// The NEON kernel gives the portable kernel's bits: both fuse each
// multiply-add in k order.
func TestKernelNEONBitsOfKernelGo(t *testing.T) {
	if kernelName() != "neon 6x16" || mr != 6 || nr != 16 {
		t.Fatalf("arm64 kernel %s, tile %dx%d", kernelName(), mr, nr)
	}
	sameKernelBits(t, rand.New(rand.NewPCG(7, 8)), []int{1, 2, 5, 64, 256}, kernel, kernelGo, "portable kernel")
}
