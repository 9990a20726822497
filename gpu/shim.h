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
size_t mg_dnn_version(void);
const char* mg_dnn_status(int status);

// Row-major C = alpha·op(A)·op(B) + beta·C as column-major cuBLAS sees it.
int mg_sgemm_rowmajor(void* handle, int transa, int transb, int m, int n, int k, float alpha, uintptr_t a,
                      int lda, uintptr_t b, int ldb, float beta, uintptr_t c, int ldc);

// A convolution plan: descriptors for NHWC x (n,h,w,c), KRSC w (k,r,s,c) and
// NHWC y (n,oh,ow,k) with symmetric zero padding, and the algorithms chosen.
typedef struct mg_conv mg_conv;
typedef struct {
	int n, h, w, c, k, r, s, pad_h, pad_w, stride_h, stride_w, out_h, out_w;
	int tf32;          // allow TF32 tensor-op maths
	int deterministic; // prefer deterministic algorithms
} mg_conv_shape;
// On failure returns NULL with the cuDNN status in *status and the failing
// call's name in err.
mg_conv* mg_conv_new(void* dnn_handle, const mg_conv_shape* shape, int* status, char* err, int errlen);
void mg_conv_free(mg_conv* plan);
// Workspace bytes the largest of the three passes needs.
size_t mg_conv_workspace(const mg_conv* plan);
// How many of the three passes had no deterministic algorithm and use a
// non-deterministic one (only when determinism was asked for).
int mg_conv_nondeterministic(const mg_conv* plan);
int mg_conv_forward(mg_conv* plan, uintptr_t x, uintptr_t w, uintptr_t y, uintptr_t ws, size_t ws_bytes);
int mg_conv_backward_data(mg_conv* plan, uintptr_t dy, uintptr_t w, uintptr_t dx, uintptr_t ws, size_t ws_bytes);
int mg_conv_backward_filter(mg_conv* plan, uintptr_t x, uintptr_t dy, uintptr_t dw, uintptr_t ws, size_t ws_bytes);

#endif
