// Maps the CUDA C that kernels/*.cu use onto host C++, so the CPU stand-in of
// the GPU runs the very sources the PTX is built from: the stand-in's
// cuLaunchKernel sets these variables and calls the kernel once per thread of
// the grid, in order. Kernels follow the rule in kernels/doc.go (no thread
// reads what another writes in the same launch), which makes that order
// irrelevant.
#pragma once
#include <math.h>
#include <algorithm>

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

// One thread at a time: a plain read-modify-write is atomic here.
static inline float atomicAdd(float* addr, float v) {
	float old = *addr;
	*addr = old + v;
	return old;
}
