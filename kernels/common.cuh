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

DEVICE int first_index() { return blockIdx.x * blockDim.x + threadIdx.x; }
DEVICE int grid_stride() { return blockDim.x * gridDim.x; }
