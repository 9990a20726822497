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
	int (*destroy)(handle);
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
	int (*destroy)(handle);
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
	                                    "cublasGetVersion_v2", "cublasSgemm_v2", "cublasSetStream_v2",
	                                    "cublasDestroy_v2"};
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
	    "cudnnDestroy",
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

int mg_blas_free(void* h) { return blas.destroy(h); }

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
int mg_dnn_free(void* h) { return dnn.destroy(h); }
size_t mg_dnn_version(void) { return dnn.get_version(); }
const char* mg_dnn_status(int status) { return dnn.error_string(status); }

struct mg_conv {
	handle dnn, x, w, y, conv;
};

void mg_conv_free(mg_conv* p) {
	if (p == NULL) return;
	if (p->x) dnn.destroy_tensor(p->x);
	if (p->y) dnn.destroy_tensor(p->y);
	if (p->w) dnn.destroy_filter(p->w);
	if (p->conv) dnn.destroy_conv(p->conv);
	free(p);
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
	return p;
}

int mg_conv_algos(mg_conv* p, int pass, mg_conv_algo* out, int max, int* status) {
	mg_algo_perf perf[16];
	int n = 0, st = 0;
	switch (pass) {
	case MG_CONV_FORWARD: st = dnn.fwd_algos(p->dnn, p->x, p->w, p->conv, p->y, 16, &n, perf); break;
	case MG_CONV_BACKWARD_DATA: st = dnn.bwd_data_algos(p->dnn, p->w, p->y, p->conv, p->x, 16, &n, perf); break;
	case MG_CONV_BACKWARD_FILTER: st = dnn.bwd_filter_algos(p->dnn, p->x, p->y, p->conv, p->w, 16, &n, perf); break;
	default: st = 2000; // CUDNN_STATUS_BAD_PARAM
	}
	if (st != 0) {
		*status = st;
		return -1;
	}
	int count = 0;
	for (int i = 0; i < n && count < max; i++) {
		if (perf[i].status != 0) continue;
		size_t ws = 0;
		switch (pass) {
		case MG_CONV_FORWARD: st = dnn.fwd_ws(p->dnn, p->x, p->w, p->conv, p->y, perf[i].algo, &ws); break;
		case MG_CONV_BACKWARD_DATA: st = dnn.bwd_data_ws(p->dnn, p->w, p->y, p->conv, p->x, perf[i].algo, &ws); break;
		default: st = dnn.bwd_filter_ws(p->dnn, p->x, p->y, p->conv, p->w, perf[i].algo, &ws); break;
		}
		if (st != 0) continue; // listed, but not for this shape after all
		out[count++] = (mg_conv_algo){perf[i].algo, perf[i].determinism == CUDNN_DETERMINISTIC, perf[i].math_type, ws};
	}
	return count;
}

static const float one = 1.0f, zero = 0.0f;

int mg_conv_run(mg_conv* p, int pass, int algo, uintptr_t in1, uintptr_t in2, uintptr_t out, uintptr_t ws,
                size_t ws_bytes) {
	switch (pass) {
	case MG_CONV_FORWARD:
		return dnn.forward(p->dnn, &one, p->x, (const void*)in1, p->w, (const void*)in2, p->conv, algo,
		                   (void*)ws, ws_bytes, &zero, p->y, (void*)out);
	case MG_CONV_BACKWARD_DATA:
		return dnn.backward_data(p->dnn, &one, p->w, (const void*)in2, p->y, (const void*)in1, p->conv, algo,
		                         (void*)ws, ws_bytes, &zero, p->x, (void*)out);
	case MG_CONV_BACKWARD_FILTER:
		return dnn.backward_filter(p->dnn, &one, p->x, (const void*)in1, p->y, (const void*)in2, p->conv, algo,
		                           (void*)ws, ws_bytes, &zero, p->w, (void*)out);
	}
	return 2000; // CUDNN_STATUS_BAD_PARAM
}
