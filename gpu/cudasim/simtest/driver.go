//go:build linux && cgo

package simtest

/*
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*init_fn)(unsigned);
typedef int (*devget_fn)(int*, int);
typedef int (*retain_fn)(void**, int);
typedef int (*setctx_fn)(void*);
typedef int (*alloc_fn)(uint64_t*, size_t);
typedef int (*htod_fn)(uint64_t, const void*, size_t);
typedef int (*dtoh_fn)(void*, uint64_t, size_t);
typedef int (*load_fn)(void**, const void*);
typedef int (*getfn_fn)(void**, void*, const char*);
typedef int (*launch_fn)(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*,
                         void**, void**);

static void* open_local(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static const char* drv_last_error(void) { return dlerror(); }

// Initialises the driver and makes the primary context current on this thread.
static int drv_start(void* lib) {
	int st = ((init_fn)dlsym(lib, "cuInit"))(0);
	if (st) return st;
	int dev;
	if ((st = ((devget_fn)dlsym(lib, "cuDeviceGet"))(&dev, 0))) return st;
	void* ctx;
	if ((st = ((retain_fn)dlsym(lib, "cuDevicePrimaryCtxRetain"))(&ctx, dev))) return st;
	return ((setctx_fn)dlsym(lib, "cuCtxSetCurrent"))(ctx);
}
static int drv_alloc(void* lib, uint64_t* p, size_t bytes) { return ((alloc_fn)dlsym(lib, "cuMemAlloc_v2"))(p, bytes); }
static int drv_htod(void* lib, uint64_t dst, const void* src, size_t bytes) {
	return ((htod_fn)dlsym(lib, "cuMemcpyHtoD_v2"))(dst, src, bytes);
}
static int drv_dtoh(void* lib, void* dst, uint64_t src, size_t bytes) {
	return ((dtoh_fn)dlsym(lib, "cuMemcpyDtoH_v2"))(dst, src, bytes);
}
static int drv_function(void* lib, const char* ptx, const char* name, void** fn) {
	void* mod;
	int st = ((load_fn)dlsym(lib, "cuModuleLoadData"))(&mod, ptx);
	if (st) return st;
	return ((getfn_fn)dlsym(lib, "cuModuleGetFunction"))(fn, mod, name);
}
// Launches fn with nargs 8-byte argument slots (the low half of a slot is a 4-byte argument).
static int drv_launch(void* lib, void* fn, unsigned gx, unsigned gy, unsigned bx, unsigned by, uint64_t* slots,
                      int nargs) {
	void* params[16];
	for (int i = 0; i < nargs; i++) params[i] = &slots[i];
	return ((launch_fn)dlsym(lib, "cuLaunchKernel"))(fn, gx, gy, 1, bx, by, 1, 0, NULL, params, NULL);
}
*/
import "C"

import (
	"fmt"
	"path/filepath"
	"unsafe"
)

// Driver is the stand-in's libcuda, called directly: for launching the
// stand-in's own test kernels (gpu/cudasim/selftest.cu). Every call must be
// made from the OS thread that called OpenDriver (contexts are per thread).
type Driver struct{ lib unsafe.Pointer }

// OpenDriver loads libcuda.so.1 from a build folder and makes its context
// current on the calling thread.
func OpenDriver(dir string) (*Driver, error) {
	cs := C.CString(filepath.Join(dir, "libcuda.so.1"))
	defer C.free(unsafe.Pointer(cs))
	lib := C.open_local(cs)
	if lib == nil {
		return nil, fmt.Errorf("opening libcuda.so.1: %s", C.GoString(C.drv_last_error()))
	}
	if st := C.drv_start(lib); st != 0 {
		return nil, fmt.Errorf("starting the stand-in's driver: CUresult %d", int(st))
	}
	return &Driver{lib: lib}, nil
}

// Upload copies v into a fresh device allocation and returns its address.
func (d *Driver) Upload(v []float32) uint64 {
	var p C.uint64_t
	if st := C.drv_alloc(d.lib, &p, C.size_t(4*max(len(v), 1))); st != 0 {
		panic(fmt.Sprintf("cuMemAlloc: %d", int(st)))
	}
	if len(v) > 0 {
		if st := C.drv_htod(d.lib, p, unsafe.Pointer(&v[0]), C.size_t(4*len(v))); st != 0 {
			panic(fmt.Sprintf("cuMemcpyHtoD: %d", int(st)))
		}
	}
	return uint64(p)
}

// Download reads n floats at p.
func (d *Driver) Download(p uint64, n int) []float32 {
	v := make([]float32, n)
	if st := C.drv_dtoh(d.lib, unsafe.Pointer(&v[0]), C.uint64_t(p), C.size_t(4*n)); st != 0 {
		panic(fmt.Sprintf("cuMemcpyDtoH: %d", int(st)))
	}
	return v
}

// Launch loads ptx, finds kernel name and launches it on a gx×gy grid of
// bx×by blocks; args are int32 or device addresses (uint64). It returns
// the CUresult.
func (d *Driver) Launch(ptx, name string, gx, gy, bx, by int, args ...any) int {
	cp, cn := C.CString(ptx), C.CString(name)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cn))
	var fn unsafe.Pointer
	if st := C.drv_function(d.lib, cp, cn, &fn); st != 0 {
		return int(st)
	}
	slots := (*[16]C.uint64_t)(C.malloc(16 * 8))
	defer C.free(unsafe.Pointer(slots))
	for i, a := range args {
		switch v := a.(type) {
		case int32:
			slots[i] = C.uint64_t(uint32(v))
		case uint64:
			slots[i] = C.uint64_t(v)
		default:
			panic(fmt.Sprintf("argument %d of type %T", i, a))
		}
	}
	return int(C.drv_launch(d.lib, fn, C.uint(gx), C.uint(gy), C.uint(bx), C.uint(by), &slots[0], C.int(len(args))))
}
