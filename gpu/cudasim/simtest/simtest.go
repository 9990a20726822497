//go:build linux && cgo

// Package simtest calls the CPU stand-in's cuBLAS and cuDNN directly, without
// gpu/, so that the stand-in is checked by itself against the CPU backend: a
// bug in the stand-in must not be able to hide a bug in gpu/. It exercises
// what gpu/ does not (NCHW layouts, CUDNN_CONVOLUTION, every transpose), and
// the status codes of misuse.
package simtest

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef int (*sgemm_fn)(void*, int, int, int, int, int, const float*, const float*, int, const float*, int,
                        const float*, float*, int);
typedef int (*create_fn)(void**);
typedef int (*set4d_fn)(void*, int, int, int, int, int, int);
typedef int (*setconv_fn)(void*, int, int, int, int, int, int, int, int);
typedef int (*conv_fn)(void*, const float*, void*, const void*, void*, const void*, void*, int, void*, size_t,
                       const float*, void*, void*);
typedef int (*wsq_fn)(void*, void*, void*, void*, void*, int, size_t*);

static void* sym(void* lib, const char* name) { return dlsym(lib, name); }
static void* open_lib(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static const char* last_error(void) { return dlerror(); }

static int call_create(void* f, void** out) { return ((create_fn)f)(out); }
static int call_set4d(void* f, void* d, int a, int b, int n, int c, int h, int w) {
	return ((set4d_fn)f)(d, a, b, n, c, h, w);
}
static int call_setconv(void* f, void* d, int ph, int pw, int u, int v, int mode) {
	return ((setconv_fn)f)(d, ph, pw, u, v, 1, 1, mode, 0);
}
static int call_sgemm(void* f, void* h, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc) {
	return ((sgemm_fn)f)(h, ta, tb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}
static int call_conv(void* f, void* h, void* d1, const void* p1, void* d2, const void* p2, void* cd, int algo,
                     void* ws, size_t wsb, void* d3, void* p3) {
	float one = 1, zero = 0;
	return ((conv_fn)f)(h, &one, d1, p1, d2, p2, cd, algo, ws, wsb, &zero, d3, p3);
}
static int call_wsq(void* f, void* h, void* a, void* b, void* c, void* d, int algo, size_t* out) {
	return ((wsq_fn)f)(h, a, b, c, d, algo, out);
}
*/
import "C"

import (
	"fmt"
	"path/filepath"
	"unsafe"
)

// Libs are the stand-in's cuBLAS and cuDNN, opened from a build folder.
type Libs struct{ blas, dnn unsafe.Pointer }

func Open(dir string) (*Libs, error) {
	l := &Libs{}
	for _, x := range []struct {
		p    *unsafe.Pointer
		name string
	}{{&l.blas, "libcublas.so.12"}, {&l.dnn, "libcudnn.so.9"}} {
		cs := C.CString(filepath.Join(dir, x.name))
		*x.p = C.open_lib(cs)
		C.free(unsafe.Pointer(cs))
		if *x.p == nil {
			return nil, fmt.Errorf("opening %s: %s", x.name, C.GoString(C.last_error()))
		}
	}
	return l, nil
}

func (l *Libs) sym(lib unsafe.Pointer, name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	p := C.sym(lib, cs)
	if p == nil {
		panic("stand-in lacks " + name)
	}
	return p
}

// Sgemm is cublasSgemm_v2 on host slices (the stand-in's memory is the host's).
func (l *Libs) Sgemm(transA, transB int, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int) int {
	var h unsafe.Pointer
	if st := C.call_create(l.sym(l.blas, "cublasCreate_v2"), &h); st != 0 {
		return int(st)
	}
	return int(C.call_sgemm(l.sym(l.blas, "cublasSgemm_v2"), h, C.int(transA), C.int(transB), C.int(m), C.int(n),
		C.int(k), C.float(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb), C.float(beta), (*C.float)(ptr(c)), C.int(ldc)))
}

func ptr(v []float32) *C.float {
	if len(v) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&v[0]))
}

// Conv describes one convolution for the stand-in's cuDNN.
type Conv struct {
	Format              int // 0 NCHW, 1 NHWC (tensors and filter alike)
	Mode                int // 0 CUDNN_CONVOLUTION, 1 CUDNN_CROSS_CORRELATION
	N, C, H, W, K, R, S int
	PadH, PadW, SH, SW  int
	OH, OW              int
}

// Pass runs one pass (0 forward: x,w → y; 1 backward data: w,dy → dx;
// 2 backward filter: x,dy → dw) with algorithm algo and a workspace of
// wsBytes (-1: what the workspace query says). It returns the cuDNN status.
func (l *Libs) Pass(cv Conv, pass, algo, wsBytes int, in1, in2, out []float32) int {
	var h, xd, yd, wd, cd unsafe.Pointer
	for _, p := range []*unsafe.Pointer{&xd, &yd} {
		C.call_create(l.sym(l.dnn, "cudnnCreateTensorDescriptor"), p)
	}
	C.call_create(l.sym(l.dnn, "cudnnCreate"), &h)
	C.call_create(l.sym(l.dnn, "cudnnCreateFilterDescriptor"), &wd)
	C.call_create(l.sym(l.dnn, "cudnnCreateConvolutionDescriptor"), &cd)
	set := l.sym(l.dnn, "cudnnSetTensor4dDescriptor")
	if st := C.call_set4d(set, xd, C.int(cv.Format), 0, C.int(cv.N), C.int(cv.C), C.int(cv.H), C.int(cv.W)); st != 0 {
		return int(st)
	}
	if st := C.call_set4d(set, yd, C.int(cv.Format), 0, C.int(cv.N), C.int(cv.K), C.int(cv.OH), C.int(cv.OW)); st != 0 {
		return int(st)
	}
	if st := C.call_set4d(l.sym(l.dnn, "cudnnSetFilter4dDescriptor"), wd, 0, C.int(cv.Format), C.int(cv.K), C.int(cv.C), C.int(cv.R), C.int(cv.S)); st != 0 {
		return int(st)
	}
	if st := C.call_setconv(l.sym(l.dnn, "cudnnSetConvolution2dDescriptor"), cd, C.int(cv.PadH), C.int(cv.PadW), C.int(cv.SH), C.int(cv.SW), C.int(cv.Mode)); st != 0 {
		return int(st)
	}
	names := [][2]string{
		{"cudnnConvolutionForward", "cudnnGetConvolutionForwardWorkspaceSize"},
		{"cudnnConvolutionBackwardData", "cudnnGetConvolutionBackwardDataWorkspaceSize"},
		{"cudnnConvolutionBackwardFilter", "cudnnGetConvolutionBackwardFilterWorkspaceSize"},
	}[pass]
	// Descriptor order of each call: forward (x, w, conv, y), backward data
	// (w, dy, conv, dx), backward filter (x, dy, conv, dw).
	d := [3][2]unsafe.Pointer{{xd, wd}, {wd, yd}, {xd, yd}}[pass]
	outDesc := [3]unsafe.Pointer{yd, xd, wd}[pass]
	if wsBytes < 0 {
		var need C.size_t
		if st := C.call_wsq(l.sym(l.dnn, names[1]), h, d[0], d[1], cd, outDesc, C.int(algo), &need); st != 0 {
			return int(st)
		}
		wsBytes = int(need)
	}
	ws := make([]float32, (wsBytes+3)/4+1)
	return int(C.call_conv(l.sym(l.dnn, names[0]), h, d[0], unsafe.Pointer(ptr(in1)), d[1], unsafe.Pointer(ptr(in2)), cd,
		C.int(algo), unsafe.Pointer(ptr(ws)), C.size_t(wsBytes), outDesc, unsafe.Pointer(ptr(out))))
}
