// libcublas of the CPU stand-in: the calls gpu/ makes, with cuBLAS's
// column-major semantics, transpose flags, leading dimensions and alpha/beta
// exactly as its documentation states, and its status codes on misuse.
#include <stdio.h>
#include <stdlib.h>

#include "memory.h"

enum {
	CUBLAS_STATUS_SUCCESS = 0,
	CUBLAS_STATUS_NOT_INITIALIZED = 1,
	CUBLAS_STATUS_ALLOC_FAILED = 3,
	CUBLAS_STATUS_INVALID_VALUE = 7,
	CUBLAS_STATUS_EXECUTION_FAILED = 13,
};
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 };

struct cublas_context {
	int math_mode;
	void* stream; // where the work goes (cublasSetStream); NULL: the legacy stream
};
typedef struct cublas_context* cublasHandle_t;

static _Atomic int live; // handles not yet destroyed (at most MGSIM_MAX_LIVE)

int cublasCreate_v2(cublasHandle_t* h) {
	if (h == NULL) return CUBLAS_STATUS_INVALID_VALUE;
	if (++live > MGSIM_MAX_LIVE) {
		live--;
		return CUBLAS_STATUS_ALLOC_FAILED;
	}
	*h = calloc(1, sizeof **h);
	return CUBLAS_STATUS_SUCCESS;
}

int cublasDestroy_v2(cublasHandle_t h) {
	if (h == NULL) return CUBLAS_STATUS_NOT_INITIALIZED;
	free(h);
	live--;
	return CUBLAS_STATUS_SUCCESS;
}

// Modes: DEFAULT 0, TENSOR_OP 1, PEDANTIC 2, TF32_TENSOR_OP 3, optionally
// or-ed with DISALLOW_REDUCED_PRECISION_REDUCTION 16.
int cublasSetMathMode(cublasHandle_t h, int mode) {
	if (h == NULL) return CUBLAS_STATUS_NOT_INITIALIZED;
	if ((mode & ~16) < 0 || (mode & ~16) > 3) return CUBLAS_STATUS_INVALID_VALUE;
	h->math_mode = mode;
	return CUBLAS_STATUS_SUCCESS;
}

int cublasGetVersion_v2(cublasHandle_t h, int* version) {
	if (h == NULL) return CUBLAS_STATUS_NOT_INITIALIZED;
	if (version == NULL) return CUBLAS_STATUS_INVALID_VALUE;
	*version = 120000;
	return CUBLAS_STATUS_SUCCESS;
}

int cublasSetStream_v2(cublasHandle_t h, void* stream) {
	if (h == NULL) return CUBLAS_STATUS_NOT_INITIALIZED;
	h->stream = stream;
	return CUBLAS_STATUS_SUCCESS;
}

static int max1(int a) { return a > 1 ? a : 1; }

struct sgemm_args {
	int ta, tb, m, n, k, lda, ldb, ldc;
	float a, b;
	const float *A, *B;
	float* C;
};

// sgemm_run computes each C element as Σ_l op(A)[i,l]·op(B)[l,j] in double,
// l in order. op(A)'s rows and op(B)'s columns are first copied out
// contiguously, so that the sums read memory in order (the convolution
// passes' GEMMs read a strided operand 12,544 deep otherwise); the values
// and their order, hence the result, are those of the plain loop.
static void sgemm_run(void* p) {
	const struct sgemm_args* g = p;
	int m = g->m, n = g->n, k = g->k;
	float* pa = malloc((size_t)max1(m) * max1(k) * sizeof *pa);
	float* pb = malloc((size_t)max1(n) * max1(k) * sizeof *pb);
	if (!pa || !pb) {
		fprintf(stderr, "cuda-sim: cublasSgemm: out of host memory\n");
		abort();
	}
	for (int i = 0; i < m; i++)
		for (int l = 0; l < k; l++) pa[(size_t)i * k + l] = g->ta ? g->A[l + (size_t)i * g->lda] : g->A[i + (size_t)l * g->lda];
	for (int j = 0; j < n; j++)
		for (int l = 0; l < k; l++) pb[(size_t)j * k + l] = g->tb ? g->B[j + (size_t)l * g->ldb] : g->B[l + (size_t)j * g->ldb];
	for (int j = 0; j < n; j++) {
		const float* bj = pb + (size_t)j * k;
		for (int i = 0; i < m; i++) {
			double s = 0;
			if (g->a != 0) {
				const float* ai = pa + (size_t)i * k;
				for (int l = 0; l < k; l++) s += (double)ai[l] * bj[l];
			}
			float* c = &g->C[i + (size_t)j * g->ldc];
			*c = (float)(g->a * s + (g->b == 0 ? 0.0 : (double)g->b * *c));
		}
	}
	free(pa);
	free(pb);
}

// C = alpha·op(A)·op(B) + beta·C, column-major: op(A) m×k, op(B) k×n, C m×n.
// A is lda×(k or m) as stored, B ldb×(n or k), C ldc×n. With beta == 0, C is
// not read (NaN in C does not propagate).
int cublasSgemm_v2(cublasHandle_t h, int transa, int transb, int m, int n, int k, const float* alpha,
                   const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
	if (h == NULL) return CUBLAS_STATUS_NOT_INITIALIZED;
	if (transa < CUBLAS_OP_N || transa > CUBLAS_OP_C || transb < CUBLAS_OP_N || transb > CUBLAS_OP_C)
		return CUBLAS_STATUS_INVALID_VALUE;
	if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
	int ta = transa != CUBLAS_OP_N, tb = transb != CUBLAS_OP_N;
	int rowsA = ta ? k : m, colsA = ta ? m : k;
	int rowsB = tb ? n : k, colsB = tb ? k : n;
	if (lda < max1(rowsA) || ldb < max1(rowsB) || ldc < max1(m)) return CUBLAS_STATUS_INVALID_VALUE;
	if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
	if (alpha == NULL || beta == NULL) return CUBLAS_STATUS_INVALID_VALUE;
	float a = *alpha, b = *beta;
	if ((k > 0 && a != 0 && (!mgsim_check(A, ((size_t)(colsA - 1) * lda + rowsA) * 4) ||
	                         !mgsim_check(B, ((size_t)(colsB - 1) * ldb + rowsB) * 4))) ||
	    !mgsim_check(C, ((size_t)(n - 1) * ldc + m) * 4)) {
		fprintf(stderr, "cuda-sim: cublasSgemm: a matrix lies outside device memory\n");
		return CUBLAS_STATUS_EXECUTION_FAILED;
	}
	struct sgemm_args g = {ta, tb, m, n, k, lda, ldb, ldc, a, b, A, B, C};
	if (mgsim_submit(h->stream, sgemm_run, &g, sizeof g) != 0) return CUBLAS_STATUS_EXECUTION_FAILED;
	return CUBLAS_STATUS_SUCCESS;
}
