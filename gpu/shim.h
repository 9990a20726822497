// The C side of gpu/: cuBLAS and cuDNN loaded at run time with dlopen, through
// our own declarations of the few legacy-API functions used (present in
// cuBLAS 11–13 and cuDNN 8–9), so that building needs only cuda.h and one
// binary runs with whichever of those libraries a machine has.
#ifndef MNISTGPU_SHIM_H
#define MNISTGPU_SHIM_H
#include <stddef.h>
#include <stdint.h>

// Loading. mg_preload opens a library globally for the ones loaded after it
// (libcublasLt beside libcublas, cuDNN 9's sub-libraries); it never fails.
void mg_preload(const char* path);
// Return 0 on success, else write what failed into err.
int mg_load_cublas(const char* path, char* err, int errlen);
int mg_load_cudnn(const char* path, char* err, int errlen);

// Handles (one per Backend) whose work goes to stream (a CUstream).
int mg_blas_new(int tf32, void* stream, void** handle);
int mg_blas_version(void* handle, int* version);
const char* mg_blas_status(int status);
int mg_dnn_new(void* stream, void** handle);
// Release a handle of mg_blas_new or mg_dnn_new.
int mg_blas_free(void* handle);
int mg_dnn_free(void* handle);
size_t mg_dnn_version(void);
const char* mg_dnn_status(int status);

// Row-major C = alpha·op(A)·op(B) + beta·C as column-major cuBLAS sees it.
int mg_sgemm_rowmajor(void* handle, int transa, int transb, int m, int n, int k, float alpha, uintptr_t a,
                      int lda, uintptr_t b, int ldb, float beta, uintptr_t c, int ldc);

// A convolution's descriptors: NHWC x (n,h,w,c), KRSC w (k,r,s,c) and NHWC
// y (n,oh,ow,k) with symmetric zero padding. Which algorithm runs each pass
// is the caller's choice (gpu/conv.go), among those mg_conv_algos lists.
typedef struct mg_conv mg_conv;
typedef struct {
	int n, h, w, c, k, r, s, pad_h, pad_w, stride_h, stride_w, out_h, out_w;
	int tf32; // allow TF32 tensor-op maths
} mg_conv_shape;
// On failure returns NULL with the cuDNN status in *status and the failing
// call's name in err.
mg_conv* mg_conv_new(void* dnn_handle, const mg_conv_shape* shape, int* status, char* err, int errlen);
void mg_conv_free(mg_conv* plan);

// The passes of a convolution.
enum { MG_CONV_FORWARD = 0, MG_CONV_BACKWARD_DATA = 1, MG_CONV_BACKWARD_FILTER = 2 };
// One cuDNN algorithm for a pass, as cudnnGet*Algorithm_v7 reports it, with
// the workspace cudnnGet*WorkspaceSize asks for.
typedef struct {
	int algo;
	int deterministic; // CUDNN_DETERMINISTIC: bit-identical on every run
	int math_type;     // cudnnMathType_t: 1 and 2 use tensor ops
	size_t workspace;
} mg_conv_algo;
// Writes the algorithms that cuDNN says work for this pass (status
// success), in its heuristic order (expected fastest first), at most max of
// them; returns how many, or -1 with the cuDNN status in *status.
int mg_conv_algos(mg_conv* plan, int pass, mg_conv_algo* out, int max, int* status);
// Runs a pass with algorithm algo: forward y = conv(x, w) (in1 x, in2 w,
// out y); backward data dx (in1 dy, in2 w, out dx); backward filter dw (in1
// x, in2 dy, out dw). Returns the cuDNN status.
int mg_conv_run(mg_conv* plan, int pass, int algo, uintptr_t in1, uintptr_t in2, uintptr_t out, uintptr_t ws,
                size_t ws_bytes);

#endif
