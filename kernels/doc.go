// Package kernels holds the CUDA C sources of mnistgpu's own GPU kernels
// (*.cu), their committed PTX (make ptx) and its Go embed, for the cuda
// build of gpu/.
//
// The rule every kernel follows, so that the CPU stand-in of the GPU
// (gpu/cudasim) can run the same source on the host, one thread after
// another: a kernel is declared `KERNEL name(...)` (common.cuh), loops over
// its work items with first_index()/grid_stride() so that any grid covers
// any size, computes whole output elements per thread, and never reads what
// another thread of the same launch writes — no shared memory, no
// __syncthreads, no warp shuffles. Reductions either give one thread a whole
// output (a row's softmax, a column block's bias-gradient sum) or are split
// into two launches. atomicAdd is allowed only where the order of the
// additions cannot change a result the tests compare; today no kernel uses
// it, so every kernel is deterministic.
//
// Counter-based randomness (dropout) must match engine.Uniform bit for bit:
// u = (Mix64(seed ^ Mix64(counter)) >> 40) · 2⁻²⁴ with SplitMix64's finaliser.
package kernels
