// libcudnn of the CPU stand-in: the legacy-API calls gpu/ makes. Descriptors
// are validated as cuDNN does (sizes, formats, the output shape a
// convolution implies, algorithms, workspace size) and misuse returns cuDNN
// 9's status codes. Both NCHW and NHWC tensors and filters, and both
// CUDNN_CONVOLUTION (flipped filter) and CUDNN_CROSS_CORRELATION, are
// computed, so a descriptor with the wrong layout or mode gives wrong numbers
// rather than the right ones by accident.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

enum {
	CUDNN_STATUS_SUCCESS = 0,
	CUDNN_STATUS_NOT_INITIALIZED = 1001,
	CUDNN_STATUS_BAD_PARAM = 2000,
	CUDNN_STATUS_BAD_PARAM_NULL_POINTER = 2002,
	CUDNN_STATUS_NOT_SUPPORTED = 3000,
	CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED = 4001,
	CUDNN_STATUS_EXECUTION_FAILED = 5000,
};
enum { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1 };
enum { CUDNN_DATA_FLOAT = 0 };
enum { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 };
enum { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 };

typedef struct {
	int algo, status;
	float time;
	size_t memory;
	int determinism, math_type, reserved[3];
} algo_perf;

struct cudnn_context {
	int magic;
	void* stream; // cudnnSetStream; NULL: the legacy stream
};
typedef struct {
	int set, format, n, c, h, w;
} tensor_desc;
typedef struct {
	int set, format, k, c, h, w;
} filter_desc;
typedef struct {
	int set, pad_h, pad_w, u, v, dil_h, dil_w, mode, math;
} conv_desc;

size_t cudnnGetVersion(void) { return 90100; }

const char* cudnnGetErrorString(int status) {
	switch (status) {
	case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
	case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
	case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
	case CUDNN_STATUS_BAD_PARAM_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
	case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
	case CUDNN_STATUS_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
	case CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED: return "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED";
	}
	return "CUDNN_STATUS_UNKNOWN";
}

static _Atomic int live; // handles not yet destroyed (at most MGSIM_MAX_LIVE)

int cudnnCreate(struct cudnn_context** h) {
	if (h == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (++live > MGSIM_MAX_LIVE) {
		live--;
		return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
	}
	*h = calloc(1, sizeof **h);
	(*h)->magic = 0x5eed;
	return CUDNN_STATUS_SUCCESS;
}

int cudnnDestroy(struct cudnn_context* h) {
	if (h == NULL || h->magic != 0x5eed) return CUDNN_STATUS_NOT_INITIALIZED;
	h->magic = 0;
	free(h);
	live--;
	return CUDNN_STATUS_SUCCESS;
}

int cudnnSetStream(struct cudnn_context* h, void* stream) {
	if (h == NULL) return CUDNN_STATUS_NOT_INITIALIZED;
	h->stream = stream;
	return CUDNN_STATUS_SUCCESS;
}

#define CREATE(fn, type)                                          \
	int fn(type** d) {                                            \
		if (d == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER; \
		*d = calloc(1, sizeof **d);                               \
		return CUDNN_STATUS_SUCCESS;                              \
	}
#define DESTROY(fn, type)  \
	int fn(type* d) {      \
		free(d);           \
		return CUDNN_STATUS_SUCCESS; \
	}
CREATE(cudnnCreateTensorDescriptor, tensor_desc)
CREATE(cudnnCreateFilterDescriptor, filter_desc)
CREATE(cudnnCreateConvolutionDescriptor, conv_desc)
DESTROY(cudnnDestroyTensorDescriptor, tensor_desc)
DESTROY(cudnnDestroyFilterDescriptor, filter_desc)
DESTROY(cudnnDestroyConvolutionDescriptor, conv_desc)

int cudnnSetTensor4dDescriptor(tensor_desc* d, int format, int dtype, int n, int c, int h, int w) {
	if (d == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
	if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
	if (dtype != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED; // the stand-in computes fp32 only
	*d = (tensor_desc){1, format, n, c, h, w};
	return CUDNN_STATUS_SUCCESS;
}

// Note the argument order, which differs from the tensor's: type, then format.
int cudnnSetFilter4dDescriptor(filter_desc* d, int dtype, int format, int k, int c, int h, int w) {
	if (d == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_BAD_PARAM;
	if (k <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
	if (dtype != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED;
	*d = (filter_desc){1, format, k, c, h, w};
	return CUDNN_STATUS_SUCCESS;
}

int cudnnSetConvolution2dDescriptor(conv_desc* d, int pad_h, int pad_w, int u, int v, int dil_h, int dil_w,
                                    int mode, int compute) {
	if (d == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dil_h <= 0 || dil_w <= 0) return CUDNN_STATUS_BAD_PARAM;
	if (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION) return CUDNN_STATUS_BAD_PARAM;
	if (compute != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED;
	*d = (conv_desc){1, pad_h, pad_w, u, v, dil_h, dil_w, mode, 0};
	return CUDNN_STATUS_SUCCESS;
}

int cudnnSetConvolutionMathType(conv_desc* d, int math) {
	if (d == NULL) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (math < 0 || math > 3) return CUDNN_STATUS_BAD_PARAM;
	d->math = math;
	return CUDNN_STATUS_SUCCESS;
}

// ---- shapes -------------------------------------------------------------------

static size_t tensor_elems(const tensor_desc* t) { return (size_t)t->n * t->c * t->h * t->w; }
static size_t filter_elems(const filter_desc* f) { return (size_t)f->k * f->c * f->h * f->w; }

static size_t tensor_index(const tensor_desc* t, int n, int c, int h, int w) {
	if (t->format == CUDNN_TENSOR_NHWC) return (((size_t)n * t->h + h) * t->w + w) * t->c + c;
	return (((size_t)n * t->c + c) * t->h + h) * t->w + w;
}

// NHWC filters are KRSC; NCHW filters are KCRS.
static size_t filter_index(const filter_desc* f, int k, int c, int r, int s) {
	if (f->format == CUDNN_TENSOR_NHWC) return (((size_t)k * f->h + r) * f->w + s) * f->c + c;
	return (((size_t)k * f->c + c) * f->h + r) * f->w + s;
}

// check validates a convolution's descriptors: all set, channels agreeing,
// and y exactly the shape cudnnGetConvolution2dForwardOutputDim gives.
static int check(const tensor_desc* x, const filter_desc* w, const conv_desc* cv, const tensor_desc* y) {
	if (!x || !w || !cv || !y) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (!x->set || !w->set || !cv->set || !y->set) return CUDNN_STATUS_BAD_PARAM;
	if (x->c != w->c || y->c != w->k || y->n != x->n || x->format != y->format) return CUDNN_STATUS_BAD_PARAM;
	int oh = 1 + (x->h + 2 * cv->pad_h - ((w->h - 1) * cv->dil_h + 1)) / cv->u;
	int ow = 1 + (x->w + 2 * cv->pad_w - ((w->w - 1) * cv->dil_w + 1)) / cv->v;
	if (oh <= 0 || ow <= 0 || y->h != oh || y->w != ow) return CUDNN_STATUS_BAD_PARAM;
	return CUDNN_STATUS_SUCCESS;
}

// ---- algorithms and workspaces ------------------------------------------------
// The stand-in offers a non-deterministic algorithm first where cuDNN has
// one, so that a caller asking for determinism must look at the flag,
// algorithms that need a workspace, so that one must be passed, and an
// unsupported one, so that a caller must look at the status.

static const int fwd_algos[] = {1, 0}, fwd_det[] = {1, 1};
static const int data_algos[] = {0, 1}, data_det[] = {0, 1};
static const int filter_algos[] = {0, 1, 3}, filter_det[] = {0, 1, 0};

static size_t workspace(int pass, int algo, const tensor_desc* x, const filter_desc* w, const tensor_desc* y) {
	(void)x;
	switch (pass * 10 + algo) {
	case 1: return 4 * (size_t)y->h * y->w + 64;        // forward, implicit precomp GEMM
	case 11: return 4 * filter_elems(w) + 128;          // backward data, algorithm 1
	case 21: return 4 * filter_elems(w) + 256;          // backward filter, algorithm 1
	case 23: return 4 * tensor_elems(y) + 512;          // backward filter, algorithm 3
	}
	return 0;
}

static int list(int pass, const int* algos, const int* det, int count, int requested, int* returned, algo_perf* perf,
                const tensor_desc* x, const filter_desc* w, const conv_desc* cv, const tensor_desc* y) {
	if (!returned || !perf) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (requested < 1) return CUDNN_STATUS_BAD_PARAM;
	int st = check(x, w, cv, y);
	if (st) return st;
	int n = count < requested ? count : requested;
	// MNISTGPU_CUDASIM_NONDETERMINISTIC=1 plays a cuDNN whose algorithms are
	// all non-deterministic for these shapes.
	const char* nd = getenv("MNISTGPU_CUDASIM_NONDETERMINISTIC");
	int none = nd != NULL && strcmp(nd, "1") == 0;
	for (int i = 0; i < n; i++)
		perf[i] = (algo_perf){algos[i], 0, 1.0f + i, workspace(pass, algos[i], x, w, y), none ? 0 : det[i], cv->math, {0}};
	// As cuDNN lists every algorithm, some with a failing status: a
	// Winograd variant that does not support this shape comes last.
	if (n < requested) {
		static const int winograd[] = {6, 4, 4};
		perf[n++] = (algo_perf){winograd[pass], CUDNN_STATUS_NOT_SUPPORTED, -1.0f, 0, 1, cv->math, {0}};
	}
	*returned = n;
	return CUDNN_STATUS_SUCCESS;
}

int cudnnGetConvolutionForwardAlgorithm_v7(void* h, const tensor_desc* x, const filter_desc* w, const conv_desc* cv,
                                           const tensor_desc* y, int req, int* ret, algo_perf* perf) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	return list(0, fwd_algos, fwd_det, 2, req, ret, perf, x, w, cv, y);
}

int cudnnGetConvolutionBackwardDataAlgorithm_v7(void* h, const filter_desc* w, const tensor_desc* dy,
                                                const conv_desc* cv, const tensor_desc* dx, int req, int* ret,
                                                algo_perf* perf) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	return list(1, data_algos, data_det, 2, req, ret, perf, dx, w, cv, dy);
}

int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void* h, const tensor_desc* x, const tensor_desc* dy,
                                                  const conv_desc* cv, const filter_desc* dw, int req, int* ret,
                                                  algo_perf* perf) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	return list(2, filter_algos, filter_det, 3, req, ret, perf, x, dw, cv, dy);
}

static int known(int algo, const int* algos, int count) {
	for (int i = 0; i < count; i++)
		if (algos[i] == algo) return 1;
	return 0;
}

#define WS_QUERY(pass, algos, count, X, W, CV, Y)                          \
	{                                                                      \
		if (!h) return CUDNN_STATUS_NOT_INITIALIZED;                       \
		if (!size) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;             \
		int st = check(X, W, CV, Y);                                       \
		if (st) return st;                                                 \
		if (!known(algo, algos, count)) return CUDNN_STATUS_NOT_SUPPORTED; \
		*size = workspace(pass, algo, X, W, Y);                            \
		return CUDNN_STATUS_SUCCESS;                                       \
	}

int cudnnGetConvolutionForwardWorkspaceSize(void* h, const tensor_desc* x, const filter_desc* w,
                                            const conv_desc* cv, const tensor_desc* y, int algo, size_t* size)
    WS_QUERY(0, fwd_algos, 2, x, w, cv, y)

int cudnnGetConvolutionBackwardDataWorkspaceSize(void* h, const filter_desc* w, const tensor_desc* dy,
                                                 const conv_desc* cv, const tensor_desc* dx, int algo, size_t* size)
    WS_QUERY(1, data_algos, 2, dx, w, cv, dy)

int cudnnGetConvolutionBackwardFilterWorkspaceSize(void* h, const tensor_desc* x, const tensor_desc* dy,
                                                   const conv_desc* cv, const filter_desc* dw, int algo,
                                                   size_t* size)
    WS_QUERY(2, filter_algos, 3, x, dw, cv, dy)

// prepare validates a pass's arguments and scribbles over the workspace, as
// a real algorithm would use it.
static int prepare(const char* what, int pass, int algo, const int* algos, int count, const tensor_desc* x,
                   const filter_desc* w, const conv_desc* cv, const tensor_desc* y, const void* alpha,
                   const void* beta, const void* xp, const void* wp, const void* yp, void* ws, size_t ws_bytes) {
	int st = check(x, w, cv, y);
	if (st) return st;
	if (!alpha || !beta || !xp || !wp || !yp) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
	if (!known(algo, algos, count)) return CUDNN_STATUS_NOT_SUPPORTED;
	size_t need = workspace(pass, algo, x, w, y);
	if (ws_bytes < need || (need > 0 && ws == NULL)) {
		fprintf(stderr, "cuda-sim: %s: workspace of %zu bytes, algorithm %d needs %zu\n", what, ws_bytes, algo, need);
		return CUDNN_STATUS_BAD_PARAM;
	}
	if (!mgsim_check(xp, 4 * tensor_elems(x)) || !mgsim_check(wp, 4 * filter_elems(w)) ||
	    !mgsim_check(yp, 4 * tensor_elems(y)) || !mgsim_check(ws, need)) {
		fprintf(stderr, "cuda-sim: %s: a tensor or the workspace lies outside device memory\n", what);
		return CUDNN_STATUS_EXECUTION_FAILED;
	}
	return CUDNN_STATUS_SUCCESS;
}

// FOR_EACH_TERM runs body for every product x[xi]·w[wi] that contributes to
// y[yi] (indices into the three arrays by their descriptors' layouts).
#define FOR_EACH_TERM(XD, WD, CV, YD, body)                                                         \
	for (int n = 0; n < (YD)->n; n++)                                                             \
		for (int k = 0; k < (YD)->c; k++)                                                         \
			for (int oh = 0; oh < (YD)->h; oh++)                                                  \
				for (int ow = 0; ow < (YD)->w; ow++)                                              \
					for (int r = 0; r < (WD)->h; r++) {                                           \
						int ih = oh * (CV)->u - (CV)->pad_h + r * (CV)->dil_h;                   \
						if (ih < 0 || ih >= (XD)->h) continue;                                    \
						for (int s = 0; s < (WD)->w; s++) {                                       \
							int iw = ow * (CV)->v - (CV)->pad_w + s * (CV)->dil_w;               \
							if (iw < 0 || iw >= (XD)->w) continue;                                \
							int fr = (CV)->mode == CUDNN_CONVOLUTION ? (WD)->h - 1 - r : r;       \
							int fs = (CV)->mode == CUDNN_CONVOLUTION ? (WD)->w - 1 - s : s;       \
							size_t yi = tensor_index(YD, n, k, oh, ow);                           \
							for (int c = 0; c < (XD)->c; c++) {                                   \
								size_t xi = tensor_index(XD, n, c, ih, iw);                       \
								size_t wi = filter_index(WD, k, c, fr, fs);                       \
								body;                                                            \
							}                                                                    \
						}                                                                        \
					}

// out = alpha·acc + beta·out (out not read when beta is 0).
static void blend(float* out, const double* acc, size_t n, float alpha, float beta) {
	for (size_t i = 0; i < n; i++) out[i] = (float)(alpha * acc[i] + (beta == 0 ? 0.0 : (double)beta * out[i]));
}

// A convolution pass as queued work: descriptors by value, so that a
// captured pass does not depend on them afterwards, as on a GPU.
struct conv_job {
	int pass; // 0 forward, 1 backward data, 2 backward filter
	tensor_desc x, y;
	filter_desc w;
	conv_desc cv;
	const float *in1, *in2; // forward: x, w; data: dy, w; filter: x, dy
	float* out;
	float alpha, beta;
	void* ws;
	size_t ws_need;
};

// conv_run computes a pass, scribbling over the workspace first as a real
// algorithm would use it.
static void conv_run(void* p) {
	const struct conv_job* j = p;
	const tensor_desc *xd = &j->x, *yd = &j->y;
	const filter_desc* wd = &j->w;
	const conv_desc* cv = &j->cv;
	if (j->ws_need > 0) memset(j->ws, 0xff, j->ws_need);
	size_t n = j->pass == 0 ? tensor_elems(yd) : j->pass == 1 ? tensor_elems(xd) : filter_elems(wd);
	double* acc = calloc(n, sizeof *acc);
	const float *a = j->in1, *b = j->in2;
	switch (j->pass) {
	case 0: FOR_EACH_TERM(xd, wd, cv, yd, acc[yi] += (double)a[xi] * b[wi]) break;
	case 1: FOR_EACH_TERM(xd, wd, cv, yd, acc[xi] += (double)a[yi] * b[wi]) break;
	case 2: FOR_EACH_TERM(xd, wd, cv, yd, acc[wi] += (double)a[xi] * b[yi]) break;
	}
	blend(j->out, acc, n, j->alpha, j->beta);
	free(acc);
}

static int conv_submit(struct cudnn_context* h, int pass, const tensor_desc* x, const filter_desc* w,
                       const conv_desc* cv, const tensor_desc* y, const float* in1, const float* in2, float* out,
                       const float* alpha, const float* beta, void* ws, int algo) {
	struct conv_job j = {pass, *x, *y, *w, *cv, in1, in2, out, *alpha, *beta, ws, workspace(pass, algo, x, w, y)};
	return mgsim_submit(h->stream, conv_run, &j, sizeof j) == 0 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_EXECUTION_FAILED;
}

int cudnnConvolutionForward(struct cudnn_context* h, const float* alpha, const tensor_desc* xd, const float* x, const filter_desc* wd,
                            const float* w, const conv_desc* cv, int algo, void* ws, size_t ws_bytes,
                            const float* beta, const tensor_desc* yd, float* y) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	int st = prepare("cudnnConvolutionForward", 0, algo, fwd_algos, 2, xd, wd, cv, yd, alpha, beta, x, w, y, ws,
	                 ws_bytes);
	if (st) return st;
	return conv_submit(h, 0, xd, wd, cv, yd, x, w, y, alpha, beta, ws, algo);
}

int cudnnConvolutionBackwardData(struct cudnn_context* h, const float* alpha, const filter_desc* wd, const float* w,
                                 const tensor_desc* dyd, const float* dy, const conv_desc* cv, int algo, void* ws,
                                 size_t ws_bytes, const float* beta, const tensor_desc* dxd, float* dx) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	int st = prepare("cudnnConvolutionBackwardData", 1, algo, data_algos, 2, dxd, wd, cv, dyd, alpha, beta, dx, w,
	                 dy, ws, ws_bytes);
	if (st) return st;
	return conv_submit(h, 1, dxd, wd, cv, dyd, dy, w, dx, alpha, beta, ws, algo);
}

int cudnnConvolutionBackwardFilter(struct cudnn_context* h, const float* alpha, const tensor_desc* xd, const float* x,
                                   const tensor_desc* dyd, const float* dy, const conv_desc* cv, int algo, void* ws,
                                   size_t ws_bytes, const float* beta, const filter_desc* dwd, float* dw) {
	if (!h) return CUDNN_STATUS_NOT_INITIALIZED;
	int st = prepare("cudnnConvolutionBackwardFilter", 2, algo, filter_algos, 3, xd, dwd, cv, dyd, alpha, beta, x,
	                 dw, dy, ws, ws_bytes);
	if (st) return st;
	return conv_submit(h, 2, xd, dwd, cv, dyd, x, dy, dw, alpha, beta, ws, algo);
}
