// Package kernels holds the CUDA C sources of mnistgpu's own GPU kernels
// (*.cu), their committed PTX (make ptx) and its Go embed, for the cuda
// build of gpu/.
//
// The rules every kernel follows, so that the CPU stand-in of the GPU
// (gpu/cudasim) can run the same source on the host and every result is the
// same on every run:
//
//   - A kernel is declared `KERNEL name(...)` (common.cuh). An element-wise
//     kernel loops over its work items with first_index()/grid_stride(), so
//     that any grid covers any size.
//   - Threads of one block may cooperate: `__shared__` arrays of a fixed
//     size, __syncthreads(), and within a warp __syncwarp() and
//     __shfl_sync/__shfl_down_sync/__shfl_xor_sync with the full mask of the
//     warp's lanes. Every thread of the block (every lane of the mask) must
//     reach each barrier: the stand-in runs such a block's threads as
//     coroutines that meet at the barriers, in a fixed order, and fails the
//     launch when a barrier cannot open. Shared memory is not cleared
//     between blocks: write before reading. `__shared__` variables are
//     declared in the KERNEL itself, not in a DEVICE (static) function,
//     whose shared variables nvcc names after the source file's path.
//   - Sums are added in an order fixed by the sizes alone, never by timing:
//     a thread's own loop, a tree or shuffle pattern of fixed shape, or
//     partial sums of blocks added in block order. A kernel whose blocks
//     combine results uses the last-block pattern: each block writes its
//     partial result, __threadfence(), one thread counts the block done with
//     atomicInc on a counter that wraps to 0 (so it is ready for the next
//     launch), and the block that counts last adds the partials in block
//     order, so which block is last changes nothing.
//   - Otherwise a thread never reads what another thread of the launch
//     writes. atomicAdd on floats is not used: its order would change sums.
//
// A step clock (engine.ClockStep; CLOCK_* in common.cuh) carries the values
// that change from step to step, so that a captured step can be replayed:
// kernels named ..._at read it, and the optimizers' advance it with the
// last-block pattern above. adam_step_at computes lrT from it as
// engine.AdamLRT does, bit for bit: go_pow_int repeats Go's math.Pow for
// integer powers, with _rn intrinsics where an FMA could change a rounding.
//
// Counter-based randomness (dropout) must match engine.Uniform bit for bit:
// u = (Mix64(seed ^ Mix64(counter)) >> 40) · 2⁻²⁴ with SplitMix64's finaliser.
package kernels
