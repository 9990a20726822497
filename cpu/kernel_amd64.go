//go:build amd64 && !noasm

package cpu

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The micro-kernel is picked once, from what the processor has.
var (
	useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	// portableKernel: neither, so kernel runs kernelGo.
	portableKernel = !useAVX512 && !useAVX2
)

// kernel6x16AVX2 and kernel8x32AVX512 are kernelGo in assembly
// (kernel_amd64.s) for mr×nr = 6×16 and 8×32.
//
//go:noescape
func kernel6x16AVX2(k int, a *float32, rs, ks int, b *float32, ldb int, c *float32, ldc int, alpha float32, overwrite bool)

//go:noescape
func kernel8x32AVX512(k int, a *float32, rs, ks int, b *float32, ldb int, c *float32, ldc int, alpha float32, overwrite bool)

func init() {
	switch {
	case useAVX512:
		mr, nr, kc = 8, 32, 128
	case useAVX2:
		mr, nr = 6, 16
	}
}

func kernel(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	if k == 0 {
		kernelGo(k, a, rs, ks, b, ldb, c, ldc, alpha, overwrite)
		return
	}
	tileInBounds(k, a, rs, ks, b, ldb, c, ldc)
	pa, pb, pc := unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c)
	switch {
	case useAVX512:
		kernel8x32AVX512(k, pa, rs, ks, pb, ldb, pc, ldc, alpha, overwrite)
	case useAVX2:
		kernel6x16AVX2(k, pa, rs, ks, pb, ldb, pc, ldc, alpha, overwrite)
	default:
		kernelGo(k, a, rs, ks, b, ldb, c, ldc, alpha, overwrite)
	}
}

func kernelName() string {
	switch {
	case useAVX512:
		return "avx512 8x32"
	case useAVX2:
		return "avx2+fma 6x16"
	}
	return "portable 6x16"
}

// kernelReason says which CPU features chose the kernel, and whether
// GODEBUG (cpu.avx512f=off, cpu.avx2=off, …) turned one off.
func kernelReason() string {
	switch {
	case useAVX512:
		return "the CPU has AVX-512F and AVX-512DQ"
	case useAVX2:
		return "the CPU has AVX2 and FMA; AVX-512F+DQ " + unavailable("avx512f", "avx512dq")
	}
	return "AVX2+FMA " + unavailable("avx2", "fma")
}

// unavailable says why CPU features the kernel needs are missing: turned
// off by GODEBUG, or absent.
func unavailable(features ...string) string {
	if off := godebugOff(features...); off != "" {
		return "turned off by GODEBUG " + off
	}
	return "absent from this CPU"
}
