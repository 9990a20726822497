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

// The stand-in's device holds at most this many live objects of each kind
// (streams, modules, cuBLAS handles, cuDNN handles), so that a process that
// opens backends without closing them fails here as it would, later, on a
// card that runs out.
#define MGSIM_MAX_LIVE 64

// For cuBLAS and cuDNN stand-ins, which find libcuda's table at run time.
#include <dlfcn.h>
static inline int mgsim_check(const void* p, size_t bytes) {
	static int (*fn)(uintptr_t, size_t);
	if (!fn) fn = (int (*)(uintptr_t, size_t))dlsym(RTLD_DEFAULT, "mgsim_range_ok");
	if (!fn) return 1; // loaded without the stand-in's libcuda: nothing to check against
	return bytes == 0 || fn((uintptr_t)p, bytes);
}

// Runs fn(arg) as work on a stream of the stand-in's libcuda: at once, or,
// while the stream captures a graph, when the graph runs (arg's bytes are
// copied). Returns 0 or the CUresult that refused it.
static inline int mgsim_submit(void* stream, void (*fn)(void*), const void* arg, size_t bytes) {
	static int (*submit)(void*, void (*)(void*), const void*, size_t);
	if (!submit) submit = (int (*)(void*, void (*)(void*), const void*, size_t))dlsym(RTLD_DEFAULT, "mgsim_stream_submit");
	if (!submit) { // loaded without the stand-in's libcuda: no streams to honour
		fn((void*)arg);
		return 0;
	}
	return submit(stream, fn, arg, bytes);
}

