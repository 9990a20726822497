// Minimum architecture: sm_80
//
// The implicit-GEMM convolutions of igemm.cu with the TF32 tensor-core
// product (igemm_mma.cuh): the same passes, loaders, epilogues (the fused
// bias, activation and 2×2 max pool with its argmax among them), tiles and
// grids, for the backend in TF32 mode (gpu/igemm.go). The inputs are
// rounded to TF32 as they are staged; the sums are fp32 in a fixed order,
// with no atomics, so a pass gives the same bits on every run. The line
// above makes this a compute_80 module, loaded only on a device that has
// TF32 tensor cores (kernels/tf32.cu says how); elsewhere TF32 mode runs
// igemm.cu's fp32 kernels.
#include "igemm_passes.cuh"
#include "igemm_mma.cuh"

// The shared C tile of ig_mma_product (16-byte aligned for its quads).
#define IG_CTILE(BM, BN) __shared__ ig_f4 Cs[(BM) * ((BN) + IG_CPAD) / 4]
#define IG_MMA ig_mma_product((float*)Cs)

KERNEL conv_fprop_tf32_128x32(IG_FPROP_ARGS) { IG_CTILE(128, 32); IG_FPROP(128, 32, IG_APAD, IG_MMA); }
KERNEL conv_fprop_tf32_64x64(IG_FPROP_ARGS) { IG_CTILE(64, 64); IG_FPROP(64, 64, IG_APAD, IG_MMA); }
KERNEL conv_fprop_tf32_64x32(IG_FPROP_ARGS) { IG_CTILE(64, 32); IG_FPROP(64, 32, IG_APAD, IG_MMA); }
KERNEL conv_fprop_tf32_32x64(IG_FPROP_ARGS) { IG_CTILE(32, 64); IG_FPROP(32, 64, IG_APAD, IG_MMA); }
KERNEL conv_fprop_tf32_32x32(IG_FPROP_ARGS) { IG_CTILE(32, 32); IG_FPROP(32, 32, IG_APAD, IG_MMA); }

KERNEL conv_dgrad_tf32_128x32(IG_DGRAD_ARGS) { IG_CTILE(128, 32); IG_DGRAD(128, 32, IG_APAD, IG_MMA); }
KERNEL conv_dgrad_tf32_64x64(IG_DGRAD_ARGS) { IG_CTILE(64, 64); IG_DGRAD(64, 64, IG_APAD, IG_MMA); }
KERNEL conv_dgrad_tf32_64x32(IG_DGRAD_ARGS) { IG_CTILE(64, 32); IG_DGRAD(64, 32, IG_APAD, IG_MMA); }
KERNEL conv_dgrad_tf32_32x64(IG_DGRAD_ARGS) { IG_CTILE(32, 64); IG_DGRAD(32, 64, IG_APAD, IG_MMA); }
KERNEL conv_dgrad_tf32_32x32(IG_DGRAD_ARGS) { IG_CTILE(32, 32); IG_DGRAD(32, 32, IG_APAD, IG_MMA); }

KERNEL conv_wgrad_tf32_128x32(IG_WGRAD_ARGS) { IG_CTILE(128, 32); IG_WGRAD(128, 32, IG_APAD, IG_MMA); }
KERNEL conv_wgrad_tf32_64x64(IG_WGRAD_ARGS) { IG_CTILE(64, 64); IG_WGRAD(64, 64, IG_APAD, IG_MMA); }
KERNEL conv_wgrad_tf32_64x32(IG_WGRAD_ARGS) { IG_CTILE(64, 32); IG_WGRAD(64, 32, IG_APAD, IG_MMA); }
KERNEL conv_wgrad_tf32_32x64(IG_WGRAD_ARGS) { IG_CTILE(32, 64); IG_WGRAD(32, 64, IG_APAD, IG_MMA); }
KERNEL conv_wgrad_tf32_32x32(IG_WGRAD_ARGS) { IG_CTILE(32, 32); IG_WGRAD(32, 32, IG_APAD, IG_MMA); }
