//go:build cuda

package gpu

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"

	"mnistgpu/engine"
)

// Gemm is cuBLAS's SGEMM on row-major matrices (shim.c swaps the operands),
// or the own TF32 kernel where the backend was opened to use it (tf32.go).
func (b *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	bb engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	engine.CheckGemm("gpu", transA, transB, m, n, k, a.Len(), lda, bb.Len(), ldb, c.Len(), ldc)
	if m == 0 || n == 0 {
		return
	}
	if b.ownTF32 {
		b.gemmTF32(transA, transB, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
		return
	}
	defer b.enter()()
	b.library()
	st := C.mg_sgemm_rowmajor(b.blas, cbool(transA), cbool(transB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		C.uintptr_t(ptr(a)), C.int(lda), C.uintptr_t(ptr(bb)), C.int(ldb), C.float(beta),
		C.uintptr_t(ptr(c)), C.int(ldc))
	if st != 0 {
		panic(fmt.Sprintf("gpu: cublasSgemm(m=%d n=%d k=%d transA=%v transB=%v): %s", m, n, k, transA, transB,
			C.GoString(C.mg_blas_status(st))))
	}
}

func cbool(v bool) C.int {
	if v {
		return 1
	}
	return 0
}
