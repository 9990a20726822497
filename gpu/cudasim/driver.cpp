// libcuda.so.1 of the CPU stand-in: the driver API subset gorgonia.org/cu and
// gpu/ call. Device memory is host memory; the one stream runs work at once,
// in order; modules are PTX text whose .entry names select kernels compiled
// from the same kernels/*.cu sources for the host (kernels_host.cpp). Blocks
// run one after another; the threads of a block run one after another too,
// or, in a kernel with barriers or shuffles, as coroutines (see run_block).
#include <cuda.h>
#include <sys/mman.h>

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
struct sim_entry {
	std::vector<int> param_sizes;
	bool cooperative; // the PTX has barriers or shuffles
};
struct CUmod_st {
	std::map<std::string, sim_entry> entries;
};
struct CUfunc_st {
	const sim_kernel* kernel;
	bool cooperative;
};

// ---- cooperative blocks ----------------------------------------------------
// A block of a cooperative kernel runs its threads as coroutines on the
// launching host thread, a stack each (sim_switch saves the callee-saved
// registers of the x86-64 System V ABI and swaps stacks, without the
// signal-mask system calls of swapcontext). The scheduler resumes every ready
// thread in order of its linear index (x fastest); each runs until it waits
// at a barrier or ends. Then the barriers whose participants have all arrived
// open: a warp barrier when every lane of its mask waits at one with the
// same mask, the block barrier when every thread of the block waits at it. A
// barrier that can never open (a thread ended or waits elsewhere) fails the
// launch instead of hanging, which a GPU does not promise.
#if !defined(__x86_64__)
#error "the stand-in's coroutines are written for x86-64"
#endif
// sim_switch(save, sp): pushes the callee-saved registers, stores the stack
// pointer in *save, continues on stack sp (prepared by a former sim_switch
// or by new_stack).
extern "C" void sim_switch(void** save, void* sp);
asm(R"(
	.text
	.globl sim_switch
	.type sim_switch, @function
sim_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size sim_switch, .-sim_switch
)");

namespace {
enum { READY, AT_BLOCK, AT_WARP, ENDED };
struct sim_thread {
	void* sp; // saved stack pointer while suspended
	int state;
	unsigned mask; // of the warp barrier it waits at
};
struct sim_block {
	const sim_kernel* kernel;
	void** params;
	std::vector<sim_thread> threads;
	void* scheduler; // the scheduler's stack pointer while a thread runs
	int current;
	std::string error;
	unsigned long long slots[1024]; // shuffle exchange, by linear thread index
};
thread_local sim_block* running; // the block being run on this host thread
thread_local char* stacks;       // coroutine stacks, reused by every launch
thread_local size_t stacks_bytes;
const size_t stack_bytes = 64 << 10;

void set_thread_index(int i) {
	threadIdx = {i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)};
}

// Every coroutine starts here and, having run the kernel, switches back to
// the scheduler for good.
void thread_main() {
	sim_block* b = running;
	b->kernel->run(b->params);
	b->threads[b->current].state = ENDED;
	void* dead;
	sim_switch(&dead, b->scheduler);
	__builtin_unreachable();
}

// new_stack prepares the stack [base, base+bytes) so that switching to the
// returned pointer enters thread_main as if called (rsp ≡ 8 mod 16).
void* new_stack(char* base, size_t bytes) {
	uintptr_t top = ((uintptr_t)base + bytes) & ~(uintptr_t)15;
	void** sp = (void**)top;
	*--sp = NULL;                   // thread_main's return address: never used
	*--sp = (void*)thread_main;    // where sim_switch's ret goes
	for (int i = 0; i < 6; i++) *--sp = NULL; // rbp rbx r12 r13 r14 r15
	return sp;
}

// wait parks the calling coroutine in state until the scheduler resumes it.
void wait(int state, unsigned mask) {
	sim_block* b = running;
	sim_thread& t = b->threads[b->current];
	t.state = state;
	t.mask = mask;
	sim_switch(&t.sp, b->scheduler);
}

std::string where(int i) {
	char s[96];
	snprintf(s, sizeof s, "block (%u,%u,%u) thread %d (warp %d, lane %d)", blockIdx.x, blockIdx.y, blockIdx.z, i,
	         i / 32, i % 32);
	return s;
}

bool run_block(sim_block& b) {
	int n = (int)b.threads.size();
	for (int i = 0; i < n; i++) {
		sim_thread& t = b.threads[i];
		t.sp = new_stack(stacks + (size_t)i * stack_bytes, stack_bytes);
		t.state = READY;
	}
	for (;;) {
		for (int i = 0; i < n; i++) {
			if (b.threads[i].state != READY) continue;
			b.current = i;
			set_thread_index(i);
			sim_switch(&b.scheduler, b.threads[i].sp);
			if (!b.error.empty()) {
				b.error = where(i) + ": " + b.error;
				return false;
			}
		}
		int ended = 0, at_block = 0;
		bool opened = false;
		for (int w = 0; w * 32 < n; w++) {
			int lanes = std::min(32, n - w * 32);
			unsigned waiting = 0, mask = 0;
			for (int l = 0; l < lanes; l++) {
				sim_thread& t = b.threads[w * 32 + l];
				if (t.state == AT_WARP) waiting |= 1u << l, mask = t.mask;
				ended += t.state == ENDED;
				at_block += t.state == AT_BLOCK;
			}
			if (waiting == 0) continue;
			bool same = true;
			for (int l = 0; l < lanes; l++)
				if (waiting >> l & 1) same = same && b.threads[w * 32 + l].mask == mask;
			if (same && waiting == mask) {
				for (int l = 0; l < lanes; l++)
					if (waiting >> l & 1) b.threads[w * 32 + l].state = READY;
				opened = true;
			} else if (same && (mask & ~((lanes == 32 ? 0u : 1u << lanes) - 1u)) != 0) {
				b.error = where(w * 32) + ": __syncwarp or shuffle mask names lanes the block does not have";
				return false;
			}
		}
		if (ended == n) return true;
		if (opened) continue;
		if (at_block == n) {
			for (sim_thread& t : b.threads) t.state = READY;
			continue;
		}
		char s[160];
		snprintf(s, sizeof s, "a barrier that cannot open: %d of %d threads wait at __syncthreads, %d have ended, %d wait at a warp barrier",
		         at_block, n, ended, n - at_block - ended);
		b.error = s;
		return false;
	}
}
} // namespace

void sim_syncthreads() {
	if (!running) {
		fprintf(stderr, "cuda-sim: __syncthreads in a kernel the stand-in runs without coroutines (its PTX has no bar.sync)\n");
		abort();
	}
	wait(AT_BLOCK, 0);
}

void sim_syncwarp(unsigned mask) {
	if (!running) {
		fprintf(stderr, "cuda-sim: __syncwarp or a shuffle in a kernel the stand-in runs without coroutines (its PTX has none)\n");
		abort();
	}
	if (!(mask >> sim_lane() & 1)) sim_kernel_error("__syncwarp or shuffle by a lane outside its mask");
	wait(AT_WARP, mask);
}

int sim_lane() { return running ? running->current % 32 : 0; }

unsigned long long* sim_warp_slot(int lane) {
	if (!running) {
		fprintf(stderr, "cuda-sim: a shuffle in a kernel the stand-in runs without coroutines (its PTX has no shfl.sync)\n");
		abort();
	}
	return &running->slots[running->current / 32 * 32 + lane];
}

void sim_kernel_error(const char* what) {
	if (!running) {
		fprintf(stderr, "cuda-sim: %s\n", what);
		abort();
	}
	running->error = what;
	wait(ENDED, 0);
}

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
		size_t next = ptx.find(".entry ", close);
		std::string body = ptx.substr(close, next == std::string::npos ? std::string::npos : next - close);
		bool cooperative = false;
		for (const char* op : {"bar.sync", "barrier.sync", "bar.warp.sync", "shfl.sync"})
			cooperative = cooperative || body.find(op) != std::string::npos;
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
		m->entries[name] = sim_entry{sizes, cooperative};
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
	if (e->second.param_sizes != k->param_sizes) {
		fprintf(stderr, "cuda-sim: kernel %s: the PTX's parameters differ from kernels/*.cu (rebuild the PTX)\n", name);
		return CUDA_ERROR_INVALID_IMAGE;
	}
	*fn = new CUfunc_st{k, e->second.cooperative};
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
	if (!f->cooperative) {
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
	size_t threads = (size_t)bx * by * bz;
	if (stacks_bytes < threads * stack_bytes) {
		if (stacks) munmap(stacks, stacks_bytes);
		stacks_bytes = threads * stack_bytes;
		void* m = mmap(NULL, stacks_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED) {
			stacks = NULL;
			stacks_bytes = 0;
			return CUDA_ERROR_OUT_OF_MEMORY;
		}
		stacks = (char*)m;
	}
	sim_block b;
	b.kernel = k;
	b.params = params;
	b.threads.resize(threads);
	running = &b;
	for (unsigned z = 0; z < gz; z++)
		for (unsigned y = 0; y < gy; y++)
			for (unsigned x = 0; x < gx; x++) {
				blockIdx = {x, y, z};
				if (!run_block(b)) {
					running = NULL;
					fprintf(stderr, "cuda-sim: kernel %s: %s\n", k->name, b.error.c_str());
					return CUDA_ERROR_LAUNCH_FAILED;
				}
			}
	running = NULL;
	return CUDA_SUCCESS;
}

} // extern "C"
