//go:build cuda

#include "shim.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- our declarations of the library functions used ----------------------
// Handles and descriptors are opaque pointers; enums are ints with the values
// fixed by cublas_api.h and cudnn.h (unchanged from cuBLAS 11 to 13 and from
// cuDNN 8 to 9 for the legacy API).
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 };
enum { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1 };
enum { CUDNN_DATA_FLOAT = 0 };
enum { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 };
enum { CUDNN_DEFAULT_MATH = 0, CUDNN_TENSOR_OP_MATH = 1, CUDNN_FMA_MATH = 3 };
enum { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 };

// The convolution mode every plan uses: the engine's Conv2D is a
// cross-correlation, as Keras's.
#define MG_CONV_MODE CUDNN_CROSS_CORRELATION

typedef struct {
	int algo;
	int status;
	float time;
	size_t memory;
	int determinism;
	int math_type;
	int reserved[3];
} mg_algo_perf; // cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t

typedef void* handle;

static struct {
	int (*create)(handle*);
	int (*set_math_mode)(handle, int);
	int (*get_version)(handle, int*);
	int (*sgemm)(handle, int, int, int, int, int, const float*, const float*, int, const float*,
	             int, const float*, float*, int);
	int (*set_stream)(handle, void*);
} blas;

static struct {
	int (*create)(handle*);
	size_t (*get_version)(void);
	const char* (*error_string)(int);
	int (*create_tensor)(handle*);
	int (*set_tensor4d)(handle, int, int, int, int, int, int);
	int (*destroy_tensor)(handle);
	int (*create_filter)(handle*);
	int (*set_filter4d)(handle, int, int, int, int, int, int);
	int (*destroy_filter)(handle);
	int (*create_conv)(handle*);
	int (*set_conv2d)(handle, int, int, int, int, int, int, int, int);
	int (*set_conv_math)(handle, int);
	int (*destroy_conv)(handle);
	int (*fwd_algos)(handle, handle, handle, handle, handle, int, int*, mg_algo_perf*);
	int (*bwd_data_algos)(handle, handle, handle, handle, handle, int, int*, mg_algo_perf*);
	int (*bwd_filter_algos)(handle, handle, handle, handle, handle, int, int*, mg_algo_perf*);
	int (*fwd_ws)(handle, handle, handle, handle, handle, int, size_t*);
	int (*bwd_data_ws)(handle, handle, handle, handle, handle, int, size_t*);
	int (*bwd_filter_ws)(handle, handle, handle, handle, handle, int, size_t*);
	int (*forward)(handle, const void*, handle, const void*, handle, const void*, handle, int,
	               void*, size_t, const void*, handle, void*);
	int (*backward_data)(handle, const void*, handle, const void*, handle, const void*, handle,
	                     int, void*, size_t, const void*, handle, void*);
	int (*backward_filter)(handle, const void*, handle, const void*, handle, const void*, handle,
	                       int, void*, size_t, const void*, handle, void*);
	int (*set_stream)(handle, void*);
} dnn;

// ---- loading --------------------------------------------------------------

void mg_preload(const char* path) { dlopen(path, RTLD_NOW | RTLD_GLOBAL); }

// bind resolves names[i] into slots[i]; on a missing symbol it says which.
static int bind(const char* path, const char* const* names, void** slots, int count, char* err,
                int errlen) {
	void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		return 1;
	}
	for (int i = 0; i < count; i++) {
		slots[i] = dlsym(lib, names[i]);
		if (slots[i] == NULL) {
			snprintf(err, errlen, "%s has no %s", path, names[i]);
			dlclose(lib);
			return 1;
		}
	}
	return 0;
}

int mg_load_cublas(const char* path, char* err, int errlen) {
	static const char* const names[] = {"cublasCreate_v2", "cublasSetMathMode",
	                                    "cublasGetVersion_v2", "cublasSgemm_v2", "cublasSetStream_v2"};
	return bind(path, names, (void**)&blas, sizeof names / sizeof names[0], err, errlen);
}

int mg_load_cudnn(const char* path, char* err, int errlen) {
	static const char* const names[] = {
	    "cudnnCreate",
	    "cudnnGetVersion",
	    "cudnnGetErrorString",
	    "cudnnCreateTensorDescriptor",
	    "cudnnSetTensor4dDescriptor",
	    "cudnnDestroyTensorDescriptor",
	    "cudnnCreateFilterDescriptor",
	    "cudnnSetFilter4dDescriptor",
	    "cudnnDestroyFilterDescriptor",
	    "cudnnCreateConvolutionDescriptor",
	    "cudnnSetConvolution2dDescriptor",
	    "cudnnSetConvolutionMathType",
	    "cudnnDestroyConvolutionDescriptor",
	    "cudnnGetConvolutionForwardAlgorithm_v7",
	    "cudnnGetConvolutionBackwardDataAlgorithm_v7",
	    "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
	    "cudnnGetConvolutionForwardWorkspaceSize",
	    "cudnnGetConvolutionBackwardDataWorkspaceSize",
	    "cudnnGetConvolutionBackwardFilterWorkspaceSize",
	    "cudnnConvolutionForward",
	    "cudnnConvolutionBackwardData",
	    "cudnnConvolutionBackwardFilter",
	    "cudnnSetStream",
	};
	return bind(path, names, (void**)&dnn, sizeof names / sizeof names[0], err, errlen);
}

// ---- cuBLAS ---------------------------------------------------------------

int mg_blas_new(int tf32, void* stream, void** h) {
	int st = blas.create(h);
	if (st != 0) return st;
	if ((st = blas.set_stream(*h, stream)) != 0) return st;
	return blas.set_math_mode(*h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
}

int mg_blas_version(void* h, int* version) { return blas.get_version(h, version); }

const char* mg_blas_status(int status) {
	switch (status) {
	case 0: return "CUBLAS_STATUS_SUCCESS";
	case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
	case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
	case 7: return "CUBLAS_STATUS_INVALID_VALUE";
	case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
	case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
	case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
	case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
	case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
	case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
	}
	return "unknown cuBLAS status";
}

// A row-major matrix is its column-major transpose, so row-major
// C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands and
// the sizes m and n; leading dimensions are the row strides as given.
int mg_sgemm_rowmajor(void* h, int transa, int transb, int m, int n, int k, float alpha, uintptr_t a,
                      int lda, uintptr_t b, int ldb, float beta, uintptr_t c, int ldc) {
	return blas.sgemm(h, transb ? CUBLAS_OP_T : CUBLAS_OP_N,
	                  transa ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, (const float*)b, ldb,
	                  (const float*)a, lda, &beta, (float*)c, ldc);
}

// ---- cuDNN ----------------------------------------------------------------

int mg_dnn_new(void* stream, void** h) {
	int st = dnn.create(h);
	if (st != 0) return st;
	return dnn.set_stream(*h, stream);
}
size_t mg_dnn_version(void) { return dnn.get_version(); }
const char* mg_dnn_status(int status) { return dnn.error_string(status); }

struct mg_conv {
	handle dnn, x, w, y, conv;
	int fwd, bwd_data, bwd_filter;
	int nondeterministic;
	size_t workspace;
};

void mg_conv_free(mg_conv* p) {
	if (p == NULL) return;
	if (p->x) dnn.destroy_tensor(p->x);
	if (p->y) dnn.destroy_tensor(p->y);
	if (p->w) dnn.destroy_filter(p->w);
	if (p->conv) dnn.destroy_conv(p->conv);
	free(p);
}

// pick returns the first algorithm of a heuristic list (best first) that
// succeeded, deterministic when asked and one exists (else the first that
// works, counted in *nondet); -1 if none works.
static int pick(const mg_algo_perf* perf, int count, int deterministic, int* nondet) {
	for (int i = 0; i < count; i++)
		if (perf[i].status == 0 && (!deterministic || perf[i].determinism == CUDNN_DETERMINISTIC))
			return perf[i].algo;
	for (int i = 0; i < count && deterministic; i++)
		if (perf[i].status == 0) {
			(*nondet)++;
			return perf[i].algo;
		}
	return -1;
}

#define CHECK(call)                                         \
	do {                                                    \
		int st_ = (call);                                   \
		if (st_ != 0) {                                     \
			*status = st_;                                  \
			snprintf(err, errlen, "%s", #call);             \
			mg_conv_free(p);                                \
			return NULL;                                    \
		}                                                   \
	} while (0)

mg_conv* mg_conv_new(void* dnn_handle, const mg_conv_shape* s, int* status, char* err, int errlen) {
	mg_conv* p = calloc(1, sizeof *p);
	p->dnn = dnn_handle;
	*status = 0;
	CHECK(dnn.create_tensor(&p->x));
	CHECK(dnn.create_tensor(&p->y));
	CHECK(dnn.create_filter(&p->w));
	CHECK(dnn.create_conv(&p->conv));
	CHECK(dnn.set_tensor4d(p->x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, s->n, s->c, s->h, s->w));
	CHECK(dnn.set_tensor4d(p->y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, s->n, s->k, s->out_h, s->out_w));
	// KRSC is the NHWC filter format: dims are still given as (k, c, r, s).
	CHECK(dnn.set_filter4d(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, s->k, s->c, s->r, s->s));
	CHECK(dnn.set_conv2d(p->conv, s->pad_h, s->pad_w, s->stride_h, s->stride_w, 1, 1, MG_CONV_MODE,
	                     CUDNN_DATA_FLOAT));
	CHECK(dnn.set_conv_math(p->conv, s->tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));

	mg_algo_perf perf[16];
	int n = 0;
	CHECK(dnn.fwd_algos(dnn_handle, p->x, p->w, p->conv, p->y, 16, &n, perf));
	p->fwd = pick(perf, n, s->deterministic, &p->nondeterministic);
	CHECK(dnn.bwd_data_algos(dnn_handle, p->w, p->y, p->conv, p->x, 16, &n, perf));
	p->bwd_data = pick(perf, n, s->deterministic, &p->nondeterministic);
	CHECK(dnn.bwd_filter_algos(dnn_handle, p->x, p->y, p->conv, p->w, 16, &n, perf));
	p->bwd_filter = pick(perf, n, s->deterministic, &p->nondeterministic);
	if (p->fwd < 0 || p->bwd_data < 0 || p->bwd_filter < 0) {
		*status = -1;
		snprintf(err, errlen, "no working algorithm for this convolution (forward %d, backward data %d, backward filter %d)",
		         p->fwd, p->bwd_data, p->bwd_filter);
		mg_conv_free(p);
		return NULL;
	}
	size_t a = 0, b = 0, c = 0;
	CHECK(dnn.fwd_ws(dnn_handle, p->x, p->w, p->conv, p->y, p->fwd, &a));
	CHECK(dnn.bwd_data_ws(dnn_handle, p->w, p->y, p->conv, p->x, p->bwd_data, &b));
	CHECK(dnn.bwd_filter_ws(dnn_handle, p->x, p->y, p->conv, p->w, p->bwd_filter, &c));
	p->workspace = a > b ? a : b;
	if (c > p->workspace) p->workspace = c;
	return p;
}

size_t mg_conv_workspace(const mg_conv* p) { return p->workspace; }
int mg_conv_nondeterministic(const mg_conv* p) { return p->nondeterministic; }

static const float one = 1.0f, zero = 0.0f;

int mg_conv_forward(mg_conv* p, uintptr_t x, uintptr_t w, uintptr_t y, uintptr_t ws, size_t ws_bytes) {
	return dnn.forward(p->dnn, &one, p->x, (const void*)x, p->w, (const void*)w, p->conv, p->fwd,
	                   (void*)ws, ws_bytes, &zero, p->y, (void*)y);
}

int mg_conv_backward_data(mg_conv* p, uintptr_t dy, uintptr_t w, uintptr_t dx, uintptr_t ws, size_t ws_bytes) {
	return dnn.backward_data(p->dnn, &one, p->w, (const void*)w, p->y, (const void*)dy, p->conv,
	                         p->bwd_data, (void*)ws, ws_bytes, &zero, p->x, (void*)dx);
}

int mg_conv_backward_filter(mg_conv* p, uintptr_t x, uintptr_t dy, uintptr_t dw, uintptr_t ws, size_t ws_bytes) {
	return dnn.backward_filter(p->dnn, &one, p->x, (const void*)x, p->y, (const void*)dy, p->conv,
	                           p->bwd_filter, (void*)ws, ws_bytes, &zero, p->w, (void*)dw);
}
