//go:build arm64 && !noasm

package cpu

import "unsafe"

// Every arm64 processor has Advanced SIMD (NEON): the 6×16 NEON kernel is
// always used, and -tags noasm forces the portable one.

// sums6x16NEON computes the 6×16 tile's sums Σ_p A(i, p)·B(p, j) into sums
// (kernel_arm64.s); k ≥ 1.
//
//go:noescape
func sums6x16NEON(k int, a *float32, rs, ks int, b *float32, ldb int, sums *float32)

// kernel is kernelGo with the sums from NEON: both fuse each multiply-add
// (FMLA, FMADD) in k order from zero and scale by alpha with the same Go
// code, so they give the same bits.
func kernel(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	if k == 0 {
		kernelGo(k, a, rs, ks, b, ldb, c, ldc, alpha, overwrite)
		return
	}
	tileInBounds(k, a, rs, ks, b, ldb, c, ldc)
	var sums [6 * 16]float32
	sums6x16NEON(k, unsafe.SliceData(a), rs, ks, unsafe.SliceData(b), ldb, &sums[0])
	for i := 0; i < 6; i++ {
		storeStrip(c[i*ldc:i*ldc+16], sums[i*16:i*16+16], alpha, overwrite)
	}
}

func kernelName() string { return "neon 6x16" }
