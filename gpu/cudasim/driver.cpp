// libcuda.so.1 of the CPU stand-in: the driver API subset gorgonia.org/cu and
// gpu/ call. Device memory is host memory; the one stream runs work at once,
// in order; modules are PTX text whose .entry names select kernels compiled
// from the same kernels/*.cu sources for the host (kernels_host.cpp).
#include <cuda.h>

#include <map>
#include <mutex>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <vector>

#include "kernels.h"
#include "memory.h"

thread_local sim_dim3 threadIdx, blockIdx, blockDim, gridDim;

struct CUctx_st {
	int device;
};
struct CUmod_st {
	std::map<std::string, std::vector<int>> entries; // name → parameter sizes
};
struct CUfunc_st {
	const sim_kernel* kernel;
};

static bool initialized;
static CUctx_st primary = {0};
static thread_local CUcontext current; // contexts are per thread, as on a GPU
static std::mutex mu;
static std::map<uintptr_t, size_t> allocations;

extern "C" int mgsim_range_ok(uintptr_t p, size_t bytes) {
	std::lock_guard<std::mutex> lock(mu);
	auto it = allocations.upper_bound(p);
	if (it == allocations.begin()) return 0;
	--it;
	return p >= it->first && p + bytes <= it->first + it->second;
}

#define NEED_INIT() \
	if (!initialized) return CUDA_ERROR_NOT_INITIALIZED
#define NEED_CONTEXT()                                  \
	if (!initialized) return CUDA_ERROR_NOT_INITIALIZED; \
	if (current == NULL) return CUDA_ERROR_INVALID_CONTEXT

extern "C" {

CUresult cuInit(unsigned int flags) {
	if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
	initialized = true;
	return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
	if (!v) return CUDA_ERROR_INVALID_VALUE;
	*v = 11080;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
	NEED_INIT();
	if (!n) return CUDA_ERROR_INVALID_VALUE;
	*n = 1;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
	NEED_INIT();
	if (!d) return CUDA_ERROR_INVALID_VALUE;
	if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
	*d = 0;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
	NEED_INIT();
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (!name || len < 1) return CUDA_ERROR_INVALID_VALUE;
	snprintf(name, len, "cuda-sim (CPU stand-in, no GPU)");
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute attr, CUdevice d) {
	NEED_INIT();
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (!v) return CUDA_ERROR_INVALID_VALUE;
	switch (attr) {
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 7; break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
	case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
	default: return CUDA_ERROR_NOT_SUPPORTED;
	}
	return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem(size_t* bytes, CUdevice d) {
	NEED_INIT();
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (!bytes) return CUDA_ERROR_INVALID_VALUE;
	*bytes = (size_t)1 << 30;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice d) {
	NEED_INIT();
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (!ctx) return CUDA_ERROR_INVALID_VALUE;
	*ctx = &primary;
	return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext ctx) {
	NEED_INIT();
	if (ctx != NULL && ctx != &primary) return CUDA_ERROR_INVALID_CONTEXT;
	current = ctx;
	return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize(void) {
	NEED_CONTEXT();
	return CUDA_SUCCESS;
}

CUresult cuMemAlloc(CUdeviceptr* p, size_t bytes) {
	NEED_CONTEXT();
	if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
	void* m = malloc(bytes);
	if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
	memset(m, 0xff, bytes); // NaN: fresh device memory is not zero
	std::lock_guard<std::mutex> lock(mu);
	allocations[(uintptr_t)m] = bytes;
	*p = (CUdeviceptr)(uintptr_t)m;
	return CUDA_SUCCESS;
}

CUresult cuMemFree(CUdeviceptr p) {
	NEED_CONTEXT();
	std::lock_guard<std::mutex> lock(mu);
	auto it = allocations.find((uintptr_t)p);
	if (it == allocations.end()) return CUDA_ERROR_INVALID_VALUE;
	memset((void*)(uintptr_t)p, 0xff, it->second);
	free((void*)(uintptr_t)p);
	allocations.erase(it);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD(CUdeviceptr dst, const void* src, size_t bytes) {
	NEED_CONTEXT();
	if (!src || !mgsim_range_ok(dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
	memcpy((void*)(uintptr_t)dst, src, bytes);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t bytes) {
	NEED_CONTEXT();
	if (!dst || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	memcpy(dst, (const void*)(uintptr_t)src, bytes);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
	NEED_CONTEXT();
	if (!mgsim_range_ok(dst, bytes) || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, bytes);
	return CUDA_SUCCESS;
}

CUresult cuMemsetD32(CUdeviceptr dst, unsigned int v, size_t n) {
	NEED_CONTEXT();
	if (dst % 4 != 0 || !mgsim_range_ok(dst, 4 * n)) return CUDA_ERROR_INVALID_VALUE;
	unsigned int* d = (unsigned int*)(uintptr_t)dst;
	for (size_t i = 0; i < n; i++) d[i] = v;
	return CUDA_SUCCESS;
}

// PTX parameter sizes: .u64/.s64/.f64/.b64 are 8 bytes, 32-bit types 4.
static int param_size(const std::string& type) {
	if (type.size() >= 3 && type.compare(type.size() - 2, 2, "64") == 0) return 8;
	if (type.size() >= 3 && type.compare(type.size() - 2, 2, "32") == 0) return 4;
	return -1;
}

CUresult cuModuleLoadData(CUmodule* mod, const void* image) {
	NEED_CONTEXT();
	if (!mod || !image) return CUDA_ERROR_INVALID_VALUE;
	std::string ptx((const char*)image);
	if (ptx.find(".version") == std::string::npos || ptx.find(".target") == std::string::npos)
		return CUDA_ERROR_INVALID_IMAGE;
	CUmod_st* m = new CUmod_st;
	size_t pos = 0;
	while ((pos = ptx.find(".entry ", pos)) != std::string::npos) {
		pos += 7;
		size_t open = ptx.find('(', pos), close = ptx.find(')', open);
		if (open == std::string::npos || close == std::string::npos) {
			delete m;
			return CUDA_ERROR_INVALID_PTX;
		}
		std::string name = ptx.substr(pos, open - pos);
		while (!name.empty() && name.back() == ' ') name.pop_back();
		std::vector<int> sizes;
		size_t p = open;
		while ((p = ptx.find(".param .", p)) != std::string::npos && p < close) {
			p += 8;
			size_t end = ptx.find(' ', p);
			int s = param_size(ptx.substr(p - 1, end - p + 1));
			if (s < 0) {
				delete m;
				return CUDA_ERROR_INVALID_PTX;
			}
			sizes.push_back(s);
		}
		m->entries[name] = sizes;
		pos = close;
	}
	*mod = m;
	return CUDA_SUCCESS;
}

// A kernel is found when its module's PTX has the entry and the host build
// has a kernel of that name with the same parameter sizes: a PTX that is not
// rebuilt from the current sources fails here.
CUresult cuModuleGetFunction(CUfunction* fn, CUmodule mod, const char* name) {
	NEED_CONTEXT();
	if (!fn || !mod || !name) return CUDA_ERROR_INVALID_VALUE;
	auto e = mod->entries.find(name);
	if (e == mod->entries.end()) return CUDA_ERROR_NOT_FOUND;
	const sim_kernel* k = sim_find_kernel(name);
	if (k == NULL) return CUDA_ERROR_NOT_FOUND;
	if (e->second != k->param_sizes) {
		fprintf(stderr, "cuda-sim: kernel %s: the PTX's parameters differ from kernels/*.cu (rebuild the PTX)\n", name);
		return CUDA_ERROR_INVALID_IMAGE;
	}
	*fn = new CUfunc_st{k};
	return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, CUstream stream, void** params, void** extra) {
	NEED_CONTEXT();
	if (!f) return CUDA_ERROR_INVALID_HANDLE;
	if (stream != NULL) return CUDA_ERROR_INVALID_HANDLE; // the stand-in has the default stream only
	if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return CUDA_ERROR_INVALID_VALUE;
	if ((unsigned long long)bx * by * bz > 1024 || bz > 64 || gy > 65535 || gz > 65535) return CUDA_ERROR_INVALID_VALUE;
	if (shared != 0 || extra != NULL) return CUDA_ERROR_NOT_SUPPORTED;
	const sim_kernel* k = f->kernel;
	if (!k->param_sizes.empty() && params == NULL) return CUDA_ERROR_INVALID_VALUE;
	// Pointer parameters must point into device memory, or the kernel would fault.
	for (size_t i = 0; i < k->param_sizes.size(); i++) {
		if (!k->is_pointer[i]) continue;
		uintptr_t p;
		memcpy(&p, params[i], sizeof p);
		if (!mgsim_range_ok(p, 1)) {
			fprintf(stderr, "cuda-sim: kernel %s: parameter %zu (0x%lx) is not device memory\n", k->name, i,
			        (unsigned long)p);
			return CUDA_ERROR_ILLEGAL_ADDRESS;
		}
	}
	gridDim = {gx, gy, gz};
	blockDim = {bx, by, bz};
	for (unsigned z = 0; z < gz; z++)
		for (unsigned y = 0; y < gy; y++)
			for (unsigned x = 0; x < gx; x++) {
				blockIdx = {x, y, z};
				for (unsigned tz = 0; tz < bz; tz++)
					for (unsigned ty = 0; ty < by; ty++)
						for (unsigned tx = 0; tx < bx; tx++) {
							threadIdx = {tx, ty, tz};
							k->run(params);
						}
			}
	return CUDA_SUCCESS;
}

} // extern "C"
