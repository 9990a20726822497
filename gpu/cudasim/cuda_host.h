// Maps the CUDA C that kernels/*.cu use onto host C++, so the CPU stand-in of
// the GPU runs the very sources the PTX is built from. The stand-in's
// cuLaunchKernel sets these variables and runs the blocks of the grid one
// after another, in order. A kernel without barriers or shuffles runs its
// threads one after another, each to its end; a kernel whose PTX has them
// (bar.sync, bar.warp.sync, shfl.sync) runs each thread of a block as a
// coroutine, and __syncthreads, __syncwarp and the shuffles switch between
// them in a fixed order, so a run is deterministic and a barrier that not
// every thread of the block (or lane of the mask) reaches fails the launch.
#pragma once
#include <math.h>
#include <algorithm>
#include <string.h>

struct sim_dim3 {
	unsigned x, y, z;
};
extern thread_local sim_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define MNISTGPU_HOST 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define KERNEL extern "C" void
#define DEVICE static inline

using std::max;
using std::min;

#define warpSize 32

// Shared memory: one copy per host thread, reused by the blocks that run on
// it one after another (not cleared in between: a kernel must write what it
// reads first, as on a GPU).
#define __shared__ static thread_local

// Barriers (driver.cpp): the calling thread waits until every thread of its
// block, or every lane of mask in its warp, has arrived.
void sim_syncthreads();
void sim_syncwarp(unsigned mask);
// The calling thread's lane, and the exchange slot of a lane of its warp.
int sim_lane();
unsigned long long* sim_warp_slot(int lane);
// Fails the launch with a message (what a GPU leaves undefined).
void sim_kernel_error(const char* what);

static inline void __syncthreads() { sim_syncthreads(); }
static inline void __syncwarp(unsigned mask = 0xffffffffu) { sim_syncwarp(mask); }
// Blocks run one at a time on the host: every write is visible to the next.
static inline void __threadfence() {}

// Shuffles: every lane of mask publishes v, waits for the others, reads
// lane src's value (its own when src lies outside its width segment), and
// waits again so that the slots can be reused.
template <typename T> T sim_shfl(unsigned mask, T v, int src, bool inside) {
	static_assert(sizeof(T) <= 8, "shuffle of a value wider than 8 bytes");
	unsigned long long bits = 0;
	memcpy(&bits, &v, sizeof v);
	*sim_warp_slot(sim_lane()) = bits;
	sim_syncwarp(mask);
	T out = v;
	if (inside) {
		if (!(mask >> src & 1)) sim_kernel_error("shuffle reads a lane outside its mask");
		memcpy(&out, sim_warp_slot(src), sizeof out);
	}
	sim_syncwarp(mask);
	return out;
}
// A warp's exchange of up to 4 values a lane in one round, as any number
// of shuffles of them would give, with 2 barriers instead of 2 a shuffle
// (the TF32 mma emulation, kernels/mma.cuh, gathers its fragments so):
// every lane of mask publishes its values with sim_warp_publish, which
// returns the warp's, lane by lane; the lane reads those of lanes of mask
// only, then calls sim_warp_done before the next exchange.
typedef unsigned long long sim_lane_values[4];
inline thread_local sim_lane_values sim_exchange[1024]; // by linear thread index
static inline const sim_lane_values* sim_warp_publish(unsigned mask, const unsigned long long* v, int n) {
	int i = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
	sim_lane_values* all = sim_exchange; // one lookup of the thread-local array: each costs a call
	memcpy(all[i], v, n * sizeof *v);
	sim_syncwarp(mask);
	return all + i / 32 * 32;
}
static inline void sim_warp_done(unsigned mask) { sim_syncwarp(mask); }

template <typename T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
	int lane = sim_lane();
	return sim_shfl(mask, v, lane / width * width + src % width, true);
}
template <typename T> T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
	int lane = sim_lane(), src = lane + (int)delta;
	return sim_shfl(mask, v, src, src / width == lane / width && src < 32);
}
template <typename T> T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
	int lane = sim_lane(), src = lane ^ lane_mask;
	return sim_shfl(mask, v, src, src / width == lane / width && src < 32);
}

// Only one thread runs at a time: a plain read-modify-write is atomic here.
static inline float atomicAdd(float* addr, float v) {
	float old = *addr;
	*addr = old + v;
	return old;
}
static inline unsigned atomicAdd(unsigned* addr, unsigned v) {
	unsigned old = *addr;
	*addr = old + v;
	return old;
}
// CUDA's wrapping increment: *addr = old >= limit ? 0 : old + 1.
static inline unsigned atomicInc(unsigned* addr, unsigned limit) {
	unsigned old = *addr;
	*addr = old >= limit ? 0 : old + 1;
	return old;
}
