// The stand-in's device memory is host memory; libcuda.so.1 keeps a table of
// live allocations so that every library of the stand-in can check that a
// pointer range handed to it is device memory, as a real GPU would fault.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
// mgsim_range_ok reports whether [p, p+bytes) lies inside one live allocation.
int mgsim_range_ok(uintptr_t p, size_t bytes);
#ifdef __cplusplus
}
#endif

// For cuBLAS and cuDNN stand-ins, which find libcuda's table at run time.
#include <dlfcn.h>
static inline int mgsim_check(const void* p, size_t bytes) {
	static int (*fn)(uintptr_t, size_t);
	if (!fn) fn = (int (*)(uintptr_t, size_t))dlsym(RTLD_DEFAULT, "mgsim_range_ok");
	if (!fn) return 1; // loaded without the stand-in's libcuda: nothing to check against
	return bytes == 0 || fn((uintptr_t)p, bytes);
}
