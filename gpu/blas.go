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

// Gemm is cuBLAS's SGEMM on row-major matrices (shim.c swaps the operands).
// Misuse panics with the offending value, as gonum's BLAS does.
func (b *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a engine.Buffer, lda int,
	bb engine.Buffer, ldb int, beta float32, c engine.Buffer, ldc int) {
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("gpu: Gemm with negative size m=%d n=%d k=%d", m, n, k))
	case lda < max(1, colsA):
		panic(fmt.Sprintf("gpu: Gemm lda=%d < %d", lda, colsA))
	case ldb < max(1, colsB):
		panic(fmt.Sprintf("gpu: Gemm ldb=%d < %d", ldb, colsB))
	case ldc < max(1, n):
		panic(fmt.Sprintf("gpu: Gemm ldc=%d < %d", ldc, n))
	case rowsA > 0 && a.Len() < (rowsA-1)*lda+colsA:
		panic(fmt.Sprintf("gpu: Gemm A has %d elements, needs %d", a.Len(), (rowsA-1)*lda+colsA))
	case rowsB > 0 && bb.Len() < (rowsB-1)*ldb+colsB:
		panic(fmt.Sprintf("gpu: Gemm B has %d elements, needs %d", bb.Len(), (rowsB-1)*ldb+colsB))
	case m > 0 && c.Len() < (m-1)*ldc+n:
		panic(fmt.Sprintf("gpu: Gemm C has %d elements, needs %d", c.Len(), (m-1)*ldc+n))
	}
	if m == 0 || n == 0 {
		return
	}
	defer b.enter()()
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
