//go:build cuda

package gpu

import (
	"fmt"

	"mnistgpu/engine"
)

// ownTF32Env asks a backend in TF32 mode to run its GEMMs with the own
// tensor-core kernel (kernels/tf32.cu) instead of cuBLAS: "1" does, "0" or
// unset does not. cuBLAS stays the default until a card has measured both;
// parity mode (fp32) is never affected.
const ownTF32Env = "MNISTGPU_OWN_TF32_GEMM"

// tf32Tile is the kernel's block tile (TF32_BM = TF32_BN), tf32Depth the k
// it stages at a time (TF32_BK) and tf32Threads its block size
// (TF32_THREADS).
const (
	tf32Tile    = 64
	tf32Depth   = 16
	tf32Threads = 128
)

// A GEMM whose output has few tiles and whose k is long (a convolution's
// weight gradient sums over 50,176 pixels into 32×9 values) would leave a
// GPU all but idle, one block per tile walking the whole of k: such a GEMM is
// cut into slices of k, each summed by its own blocks, and the slices added
// in order by a second kernel. The cut depends on the sizes alone, so the
// bits do not depend on the GPU: up to tf32Blocks blocks in all, slices of at
// least tf32MinSlice values of k.
const (
	tf32Blocks   = 256
	tf32MinSlice = 512
)

// tf32Slices returns the slice length (a multiple of tf32Depth) and count
// for a GEMM of tiles output tiles over k.
func tf32Slices(tiles, k int) (kslice, slices int) {
	slices = max(1, min(tf32Blocks/tiles, (k+tf32MinSlice-1)/tf32MinSlice))
	kslice = max(tf32Depth, ((k+slices-1)/slices+tf32Depth-1)/tf32Depth*tf32Depth)
	return kslice, (k + kslice - 1) / kslice
}

// ownTF32Gemm reads ownTF32Env: whether a backend opened with opt runs the
// own TF32 GEMM. A value other than 0 or 1 is refused before the device is
// opened, as a setting (engine.SettingError: exit 2, and --device auto does
// not fall back to the CPU past it); so is 1 in parity mode, where no GEMM
// runs in TF32 and the variable would change nothing the user could see.
func ownTF32Gemm(getenv func(string) string, opt Options) (bool, error) {
	switch v := getenv(ownTF32Env); v {
	case "", "0":
		return false, nil
	case "1":
		if !opt.TF32 {
			return false, &engine.SettingError{Msg: fmt.Sprintf("cuda: %s=1 runs TF32 mode's GEMMs by the own kernel, and this run is in parity mode (fp32): give --tf32 (or MNISTGPU_TF32=1), or unset %s",
				ownTF32Env, ownTF32Env)}
		}
		return true, nil
	default:
		return false, &engine.SettingError{Msg: fmt.Sprintf("cuda: %s=%q: want 1 (GEMMs in TF32 mode by the own tensor-core kernel) or 0 (cuBLAS)",
			ownTF32Env, v)}
	}
}

// checkOwnTF32 refuses the own TF32 GEMM on a GPU without TF32 tensor cores,
// whose kernels/tf32.cu module was not loaded (the stand-in loads it), as a
// setting that cannot be honoured (exit 2; --device auto does not train on
// the CPU instead).
func (b *Backend) checkOwnTF32(major, minor int) error {
	if _, ok := b.functions["tf32_gemm"]; b.ownTF32 && !ok {
		return &engine.SettingError{Msg: fmt.Sprintf("cuda: %s=1 needs a GPU of compute capability 8.0 or newer (TF32 tensor cores); this one is sm_%d%d",
			ownTF32Env, major, minor)}
	}
	return nil
}

// gemmTF32 is Gemm (row-major C = alpha·op(A)·op(B) + beta·C) by the own
// kernel tf32_gemm: A and B rounded to TF32 as PTX's cvt.rna does, products
// summed in fp32 over k in order on the tensor cores (mma.sync m16n8k8), or
// over each slice of k (tf32Slices) and the slices then added in order by
// tf32_gemm_reduce; no atomics, so the same inputs give the same bits.
func (b *Backend) gemmTF32(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	bb engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	engine.CheckGemm("gpu", transA, transB, m, n, k, a.Len(), lda, bb.Len(), ldb, c.Len(), ldc)
	if m == 0 || n == 0 {
		return
	}
	gx, gy := (n+tf32Tile-1)/tf32Tile, (m+tf32Tile-1)/tf32Tile
	kslice, slices := tf32Slices(gx*gy, k)
	if gy*slices > 65535 {
		panic(fmt.Sprintf("gpu: TF32 Gemm with m=%d rows, more than a grid of %d-row tiles covers", m, tf32Tile))
	}
	if slices == 1 {
		b.launchGrid("tf32_gemm", gx, gy, tf32Threads, 1, transA, transB, m, n, k, kslice, alpha, a, lda, bb, ldb,
			beta, c, ldc, c)
		return
	}
	part := b.tf32Scratch(slices * m * n)
	b.launchGrid("tf32_gemm", gx, gy*slices, tf32Threads, 1, transA, transB, m, n, k, kslice, alpha, a, lda, bb, ldb,
		beta, c, ldc, part)
	b.launch("tf32_gemm_reduce", m*n, slices, m, n, alpha, part, beta, c, ldc)
}

// tf32Scratch returns the slices' sums of a split GEMM, n floats.
func (b *Backend) tf32Scratch(n int) engine.Buffer {
	defer b.enter()()
	return b.tf32Part.buffer(n)
}
