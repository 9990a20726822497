//go:build amd64 && !noasm

package cpu

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernel6x16AVX2 is kernelGo in AVX2+FMA assembly (kernel_amd64.s).
//
//go:noescape
func kernel6x16AVX2(k int, a, b, c *float32, ldc int)

func kernel(k int, a, b, c []float32, ldc int) {
	if useAVX2 && k > 0 {
		_ = c[5*ldc+nr-1]
		_ = a[k*mr-1]
		_ = b[k*nr-1]
		kernel6x16AVX2(k, &a[0], &b[0], &c[0], ldc)
		return
	}
	kernelGo(k, a, b, c, ldc)
}

func kernelName() string {
	if useAVX2 {
		return "avx2+fma 6x16"
	}
	return "go 6x16"
}
