// Shared definitions of mnistgpu's kernels. An element-wise kernel is written
//
//   KERNEL name(params) { for (int i = first_index(); i < n; i += grid_stride()) ... }
//
// with one thread computing whole output elements; cooperating threads of a
// block use shared memory, barriers and warp shuffles as doc.go allows. Under
// MNISTGPU_HOST the same source is compiled by the host compiler for the CPU
// stand-in of the GPU (gpu/cudasim), with cuda_host.h supplying threadIdx,
// blockIdx, blockDim, gridDim, barriers and shuffles.
#pragma once

#ifndef MNISTGPU_HOST
#define KERNEL extern "C" __global__ void
#define DEVICE static __device__ __forceinline__
#endif

typedef unsigned long long u64;

#ifdef MNISTGPU_HOST
// CUDA's round-to-nearest arithmetic that the compiler never contracts into
// an FMA; the host build contracts nothing (no -ffp-contract with FMA).
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
#endif

DEVICE int first_index() { return blockIdx.x * blockDim.x + threadIdx.x; }
DEVICE int grid_stride() { return blockDim.x * gridDim.x; }

// A step clock's values (engine.ClockStep, ClockLR, ClockPassStart,
// ClockDevice): CLOCK_DONE holds the unsigned count of advance_clock.
#define CLOCK_STEP 0
#define CLOCK_LR 1
#define CLOCK_PASS_START 2
#define CLOCK_DONE 3
