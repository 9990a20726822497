// libcuda.so.1 of the CPU stand-in: the driver API subset gorgonia.org/cu and
// gpu/ call. Device memory is host memory; the one stream runs work at once,
// in order; modules are PTX text whose .entry names select kernels compiled
// from the same kernels/*.cu sources for the host (kernels_host.cpp). Blocks
// run one after another; the threads of a block run one after another too,
// or, in a kernel with barriers or shuffles, as coroutines (see run_block).
#include <cuda.h>
#include <sys/mman.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <thread>
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
struct CUfunc_st {
	const sim_kernel* kernel;
	bool cooperative;
};
struct CUmod_st {
	std::map<std::string, sim_entry> entries;
	std::vector<CUfunc_st*> functions; // owned: released with the module
	~CUmod_st() {
		for (CUfunc_st* f : functions) delete f;
	}
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
static std::vector<CUstream> streams; // live streams
static std::vector<CUmodule> modules; // loaded modules
static int primary_retains;           // cuDevicePrimaryCtxRetain less Release

extern "C" int mgsim_range_ok(uintptr_t p, size_t bytes) {
	std::lock_guard<std::mutex> lock(mu);
	auto it = allocations.upper_bound(p);
	if (it == allocations.begin()) return 0;
	--it;
	return p >= it->first && p + bytes <= it->first + it->second;
}

// ---- streams and graphs -----------------------------------------------------
// Work queued on a stream runs at once, in order, unless the stream is
// capturing: then it is recorded (kernel parameters copied) into the graph
// that cuStreamEndCapture returns, and cuGraphLaunch runs the recording in
// order. While a stream captures in the global mode (from any thread) or the
// thread-local mode (from its thread; gpu/ captures so), calls that would
// wait for the device or use the legacy stream (synchronous copies,
// cuCtxSynchronize, cuMemAlloc/cuMemFree, launches on stream 0) fail with
// CUDA_ERROR_STREAM_CAPTURE_IMPLICIT and invalidate the capture, as on a
// GPU; so does waiting for the capturing stream itself. The legacy stream
// waits for every blocking stream (created without CU_STREAM_NON_BLOCKING):
// work on it, from any thread and in any mode, breaks the capture of a
// blocking stream, as on a GPU.
struct sim_node {
	enum { LAUNCH, COPY, SET, HOST } kind;
	const sim_kernel* kernel;
	bool cooperative;
	unsigned grid[3], block[3];
	std::vector<char> params;          // each parameter's bytes, back to back
	std::vector<size_t> param_offsets; // where each begins
	uintptr_t dst, src;
	size_t bytes;  // of a copy; count of 32-bit values of a set
	unsigned value;
	void (*host)(void*); // a library call's work (cuBLAS, cuDNN stand-ins)
	std::vector<char> arg;
};
struct CUstream_st {
	bool nonblocking;
	bool capturing, invalidated;
	CUstreamCaptureMode mode;
	std::thread::id thread; // that began the capture
	std::vector<sim_node> recorded;
};
struct CUgraph_st {
	std::vector<sim_node> nodes;
};
struct CUgraphExec_st {
	std::vector<sim_node> nodes;
};

CUresult run_kernel(const sim_kernel* k, bool cooperative, const unsigned* grid, const unsigned* block,
                    void** params);

CUresult run_node(sim_node& n) {
	switch (n.kind) {
	case sim_node::LAUNCH: {
		std::vector<void*> ptrs;
		for (size_t off : n.param_offsets) ptrs.push_back(n.params.data() + off);
		return run_kernel(n.kernel, n.cooperative, n.grid, n.block, ptrs.data());
	}
	case sim_node::COPY:
		if (!mgsim_range_ok(n.dst, n.bytes) || !mgsim_range_ok(n.src, n.bytes)) return CUDA_ERROR_INVALID_VALUE;
		memmove((void*)n.dst, (const void*)n.src, n.bytes);
		return CUDA_SUCCESS;
	case sim_node::SET: {
		if (n.dst % 4 != 0 || !mgsim_range_ok(n.dst, 4 * n.bytes)) return CUDA_ERROR_INVALID_VALUE;
		unsigned* d = (unsigned*)n.dst;
		for (size_t i = 0; i < n.bytes; i++) d[i] = n.value;
		return CUDA_SUCCESS;
	}
	case sim_node::HOST:
		n.host(n.arg.data());
		return CUDA_SUCCESS;
	}
	return CUDA_ERROR_INVALID_VALUE;
}

// implicit_sync_during_capture reports whether a call that synchronises
// with the device or the legacy stream is illegal now: some stream captures
// in the global mode, or in the thread-local mode on this thread, or (for
// work on the legacy stream, legacy true) is a blocking stream that
// captures. If so, it invalidates those captures.
bool implicit_sync_during_capture(const char* call, bool legacy) {
	std::lock_guard<std::mutex> lock(mu);
	bool illegal = false;
	for (CUstream s : streams)
		if (s->capturing && (s->mode == CU_STREAM_CAPTURE_MODE_GLOBAL ||
		                     (s->mode == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && s->thread == std::this_thread::get_id()) ||
		                     (legacy && !s->nonblocking))) {
			s->invalidated = true;
			illegal = true;
		}
	if (illegal)
		fprintf(stderr, "cuda-sim: %s while a stream captures a graph (CUDA_ERROR_STREAM_CAPTURE_IMPLICIT)\n", call);
	return illegal;
}

CUresult submit(CUstream stream, sim_node& node) {
	if (stream == NULL) {
		if (implicit_sync_during_capture("work on the legacy stream", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
		return run_node(node);
	}
	if (stream->capturing) {
		if (node.kind == sim_node::LAUNCH) { // check the pointers as the launch would, now
			std::vector<void*> ptrs;
			for (size_t off : node.param_offsets) ptrs.push_back(node.params.data() + off);
			for (size_t i = 0; i < node.kernel->param_sizes.size(); i++) {
				uintptr_t p;
				memcpy(&p, ptrs[i], sizeof p);
				if (node.kernel->is_pointer[i] && !mgsim_range_ok(p, 1)) return CUDA_ERROR_ILLEGAL_ADDRESS;
			}
		}
		stream->recorded.push_back(std::move(node));
		return CUDA_SUCCESS;
	}
	return run_node(node);
}

#define NEED_INIT() \
	if (!initialized) return CUDA_ERROR_NOT_INITIALIZED
#define NEED_CONTEXT()                                  \
	if (!initialized) return CUDA_ERROR_NOT_INITIALIZED; \
	if (current == NULL) return CUDA_ERROR_INVALID_CONTEXT

// run_kernel runs a launch: every block of the grid in order, the threads of
// a block one after another or, for a cooperative kernel, as coroutines.
CUresult run_kernel(const sim_kernel* k, bool cooperative, const unsigned* grid, const unsigned* block,
                    void** params) {
	unsigned gx = grid[0], gy = grid[1], gz = grid[2], bx = block[0], by = block[1], bz = block[2];
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
	if (!cooperative) {
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
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 8; break; // it runs the sm_80 modules (mma.sync emulated exactly)
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
	std::lock_guard<std::mutex> lock(mu);
	primary_retains++;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice d) {
	NEED_INIT();
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	std::lock_guard<std::mutex> lock(mu);
	if (primary_retains == 0) return CUDA_ERROR_INVALID_CONTEXT;
	primary_retains--;
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
	if (implicit_sync_during_capture("cuCtxSynchronize", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	return CUDA_SUCCESS;
}

CUresult cuMemAlloc(CUdeviceptr* p, size_t bytes) {
	NEED_CONTEXT();
	if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
	if (implicit_sync_during_capture("cuMemAlloc", false)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	void* m = malloc(bytes);
	if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
	memset(m, 0xff, bytes); // NaN: fresh device memory is not zero
	std::lock_guard<std::mutex> lock(mu);
	allocations[(uintptr_t)m] = bytes;
	*p = (CUdeviceptr)(uintptr_t)m;
	return CUDA_SUCCESS;
}

// The stand-in's device has 1 GiB, less what is allocated.
CUresult cuMemGetInfo(size_t* free_bytes, size_t* total) {
	NEED_CONTEXT();
	if (!free_bytes || !total) return CUDA_ERROR_INVALID_VALUE;
	std::lock_guard<std::mutex> lock(mu);
	size_t used = 0;
	for (auto& a : allocations) used += a.second;
	*total = (size_t)1 << 30;
	*free_bytes = used < *total ? *total - used : 0;
	return CUDA_SUCCESS;
}

CUresult cuMemFree(CUdeviceptr p) {
	NEED_CONTEXT();
	if (implicit_sync_during_capture("cuMemFree", false)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
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
	if (implicit_sync_during_capture("cuMemcpyHtoD", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	memcpy((void*)(uintptr_t)dst, src, bytes);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t bytes) {
	NEED_CONTEXT();
	if (!dst || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	if (implicit_sync_during_capture("cuMemcpyDtoH", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	memcpy(dst, (const void*)(uintptr_t)src, bytes);
	return CUDA_SUCCESS;
}

// Copies between host and device on a stream: run at once (the host memory
// is pageable, which a graph cannot record: refused while capturing).
CUresult host_copy_on(CUstream s, const char* call, void* dst, const void* src, size_t bytes) {
	if (s == NULL) {
		if (implicit_sync_during_capture(call, true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	} else if (s->capturing) {
		fprintf(stderr, "cuda-sim: %s from pageable host memory while capturing\n", call);
		s->invalidated = true;
		return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	}
	memcpy(dst, src, bytes);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t bytes, CUstream s) {
	NEED_CONTEXT();
	if (!src || !mgsim_range_ok(dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
	return host_copy_on(s, "cuMemcpyHtoDAsync", (void*)(uintptr_t)dst, src, bytes);
}

CUresult cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t bytes, CUstream s) {
	NEED_CONTEXT();
	if (!dst || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	return host_copy_on(s, "cuMemcpyDtoHAsync", dst, (const void*)(uintptr_t)src, bytes);
}

CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
	NEED_CONTEXT();
	if (!mgsim_range_ok(dst, bytes) || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	sim_node n;
	n.kind = sim_node::COPY;
	n.dst = dst, n.src = src, n.bytes = bytes;
	return submit(NULL, n);
}

CUresult cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream) {
	NEED_CONTEXT();
	if (!mgsim_range_ok(dst, bytes) || !mgsim_range_ok(src, bytes)) return CUDA_ERROR_INVALID_VALUE;
	sim_node n;
	n.kind = sim_node::COPY;
	n.dst = dst, n.src = src, n.bytes = bytes;
	return submit(stream, n);
}

CUresult cuMemsetD32(CUdeviceptr dst, unsigned int v, size_t n) {
	NEED_CONTEXT();
	if (dst % 4 != 0 || !mgsim_range_ok(dst, 4 * n)) return CUDA_ERROR_INVALID_VALUE;
	sim_node node;
	node.kind = sim_node::SET;
	node.dst = dst, node.bytes = n, node.value = v;
	return submit(NULL, node);
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int v, size_t n, CUstream stream) {
	NEED_CONTEXT();
	if (dst % 4 != 0 || !mgsim_range_ok(dst, 4 * n)) return CUDA_ERROR_INVALID_VALUE;
	sim_node node;
	node.kind = sim_node::SET;
	node.dst = dst, node.bytes = n, node.value = v;
	return submit(stream, node);
}

// ---- streams and graphs ----------------------------------------------------

CUresult cuStreamCreate(CUstream* s, unsigned int flags) {
	NEED_CONTEXT();
	if (!s || flags > CU_STREAM_NON_BLOCKING) return CUDA_ERROR_INVALID_VALUE;
	std::lock_guard<std::mutex> lock(mu);
	if (streams.size() >= MGSIM_MAX_LIVE) return CUDA_ERROR_OUT_OF_MEMORY;
	*s = new CUstream_st{flags == CU_STREAM_NON_BLOCKING, false, false, CU_STREAM_CAPTURE_MODE_GLOBAL, {}, {}};
	streams.push_back(*s);
	return CUDA_SUCCESS;
}

CUresult cuStreamDestroy(CUstream s) {
	NEED_CONTEXT();
	std::lock_guard<std::mutex> lock(mu);
	auto it = std::find(streams.begin(), streams.end(), s);
	if (it == streams.end()) return CUDA_ERROR_INVALID_HANDLE;
	if (s->capturing) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	streams.erase(it);
	delete s;
	return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream s) {
	NEED_CONTEXT();
	if (s == NULL) {
		if (implicit_sync_during_capture("cuStreamSynchronize(0)", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
		return CUDA_SUCCESS;
	}
	if (s->capturing) {
		fprintf(stderr, "cuda-sim: cuStreamSynchronize on a capturing stream\n");
		s->invalidated = true;
		return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	}
	return CUDA_SUCCESS;
}

CUresult cuStreamBeginCapture(CUstream s, CUstreamCaptureMode mode) {
	NEED_CONTEXT();
	if (s == NULL) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; // the legacy stream cannot capture
	if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
	    mode != CU_STREAM_CAPTURE_MODE_RELAXED)
		return CUDA_ERROR_INVALID_VALUE;
	std::lock_guard<std::mutex> lock(mu);
	if (s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
	s->capturing = true;
	s->invalidated = false;
	s->recorded.clear();
	s->mode = mode;
	s->thread = std::this_thread::get_id();
	return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream s, CUgraph* graph) {
	NEED_CONTEXT();
	if (s == NULL || !graph) return CUDA_ERROR_INVALID_VALUE;
	std::lock_guard<std::mutex> lock(mu);
	if (!s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
	s->capturing = false;
	if (s->invalidated) {
		s->recorded.clear();
		*graph = NULL;
		return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
	}
	*graph = new CUgraph_st{std::move(s->recorded)};
	s->recorded.clear();
	return CUDA_SUCCESS;
}

CUresult cuStreamIsCapturing(CUstream s, CUstreamCaptureStatus* status) {
	NEED_CONTEXT();
	if (!status) return CUDA_ERROR_INVALID_VALUE;
	*status = s != NULL && s->capturing ? (s->invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE)
	                                    : CU_STREAM_CAPTURE_STATUS_NONE;
	return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
	NEED_CONTEXT();
	if (!exec || !graph || flags != 0) return CUDA_ERROR_INVALID_VALUE;
	*exec = new CUgraphExec_st{graph->nodes};
	return CUDA_SUCCESS;
}

// A graph runs its nodes in the order they were captured (one stream: a chain).
CUresult cuGraphLaunch(CUgraphExec exec, CUstream s) {
	NEED_CONTEXT();
	if (!exec) return CUDA_ERROR_INVALID_VALUE;
	if (s == NULL) {
		if (implicit_sync_during_capture("cuGraphLaunch on the legacy stream", true)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	} else if (s->capturing) {
		return CUDA_ERROR_NOT_SUPPORTED; // graphs within graphs: not needed by gpu/
	}
	for (sim_node& n : exec->nodes) {
		CUresult st = run_node(n);
		if (st != CUDA_SUCCESS) return st;
	}
	return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph g) {
	if (!g) return CUDA_ERROR_INVALID_VALUE;
	delete g;
	return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec e) {
	if (!e) return CUDA_ERROR_INVALID_VALUE;
	delete e;
	return CUDA_SUCCESS;
}

// For the cuBLAS and cuDNN stand-ins: run fn(arg) as work on stream, now or,
// while the stream captures, when the graph runs (arg's bytes are copied).
int mgsim_stream_submit(void* stream, void (*fn)(void*), const void* arg, size_t bytes) {
	sim_node n;
	n.kind = sim_node::HOST;
	n.host = fn;
	n.arg.assign((const char*)arg, (const char*)arg + bytes);
	return submit((CUstream)stream, n);
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
		// mma.sync is warp-collective too: its host build shuffles (kernels/mma.cuh).
		for (const char* op : {"bar.sync", "barrier.sync", "bar.warp.sync", "shfl.sync", "mma.sync"})
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
	std::lock_guard<std::mutex> lock(mu);
	if (modules.size() >= 16 * MGSIM_MAX_LIVE) {
		delete m;
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	modules.push_back(m);
	*mod = m;
	return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule mod) {
	NEED_CONTEXT();
	std::lock_guard<std::mutex> lock(mu);
	auto it = std::find(modules.begin(), modules.end(), mod);
	if (it == modules.end()) return CUDA_ERROR_INVALID_HANDLE;
	modules.erase(it);
	delete mod;
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
	mod->functions.push_back(*fn);
	return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, CUstream stream, void** params, void** extra) {
	NEED_CONTEXT();
	if (!f) return CUDA_ERROR_INVALID_HANDLE;
	if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return CUDA_ERROR_INVALID_VALUE;
	if ((unsigned long long)bx * by * bz > 1024 || bz > 64 || gy > 65535 || gz > 65535) return CUDA_ERROR_INVALID_VALUE;
	if (shared != 0 || extra != NULL) return CUDA_ERROR_NOT_SUPPORTED;
	const sim_kernel* k = f->kernel;
	if (!k->param_sizes.empty() && params == NULL) return CUDA_ERROR_INVALID_VALUE;
	sim_node node;
	node.kind = sim_node::LAUNCH;
	node.kernel = k;
	node.cooperative = f->cooperative;
	node.grid[0] = gx, node.grid[1] = gy, node.grid[2] = gz;
	node.block[0] = bx, node.block[1] = by, node.block[2] = bz;
	for (size_t i = 0; i < k->param_sizes.size(); i++) {
		const char* b = (const char*)params[i];
		node.param_offsets.push_back(node.params.size());
		node.params.insert(node.params.end(), b, b + k->param_sizes[i]);
	}
	return submit(stream, node);
}

} // extern "C"
