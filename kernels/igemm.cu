// Convolutions as implicit GEMMs, the backend's own path beside cuDNN
// (gpu/igemm.go): one launch per pass, no im2col or col2im buffer, the
// operands read from the tensors as the tiles fill (igemm.cuh). NHWC
// tensors, KRSC filters, TensorFlow's padding. Every sum is added in a
// fixed order (igemm.cuh), so a pass gives the same bits on every run.
//
//   forward          y[(b,oy,ox), k]     = Σ_(ky,kx,ch) x[b, oy·sh−top+ky, ox·sw−left+kx, ch] · w[k,ky,kx,ch]
//   backward data    dx[(b,iy,ix), ch]   = Σ_(ky,kx,k) dy[b, (iy+top−ky)/sh, (ix+left−kx)/sw, k] · w[k,ky,kx,ch]
//                                          over the taps whose quotients are whole and inside dy (a gather)
//   backward filter  dw[k, (ky,kx,ch)]   = Σ_(b,oy,ox) dy[(b,oy,ox), k] · x[b, oy·sh−top+ky, ox·sw−left+kx, ch]
//
// Each pass has one kernel per tile shape (BM×BN = 128×32, 64×64, 64×32,
// 32×64, 32×32; BM·BN/16 threads with 4×4 outputs each); gpu/igemm.go
// picks the shape from the GEMM's sizes. The tile changes no result: each
// output's sum has the same order in every tile.
#include "igemm_passes.cuh"

// Each kernel below is a pass (igemm_passes.cuh) with the fp32 FMA product.
KERNEL conv_fprop_128x32(IG_FPROP_ARGS) { IG_FPROP(128, 32, 0, ig_fma_product()); }
KERNEL conv_fprop_64x64(IG_FPROP_ARGS) { IG_FPROP(64, 64, 0, ig_fma_product()); }
KERNEL conv_fprop_64x32(IG_FPROP_ARGS) { IG_FPROP(64, 32, 0, ig_fma_product()); }
KERNEL conv_fprop_32x64(IG_FPROP_ARGS) { IG_FPROP(32, 64, 0, ig_fma_product()); }
KERNEL conv_fprop_32x32(IG_FPROP_ARGS) { IG_FPROP(32, 32, 0, ig_fma_product()); }

KERNEL conv_dgrad_128x32(IG_DGRAD_ARGS) { IG_DGRAD(128, 32, 0, ig_fma_product()); }
KERNEL conv_dgrad_64x64(IG_DGRAD_ARGS) { IG_DGRAD(64, 64, 0, ig_fma_product()); }
KERNEL conv_dgrad_64x32(IG_DGRAD_ARGS) { IG_DGRAD(64, 32, 0, ig_fma_product()); }
KERNEL conv_dgrad_32x64(IG_DGRAD_ARGS) { IG_DGRAD(32, 64, 0, ig_fma_product()); }
KERNEL conv_dgrad_32x32(IG_DGRAD_ARGS) { IG_DGRAD(32, 32, 0, ig_fma_product()); }

KERNEL conv_wgrad_128x32(IG_WGRAD_ARGS) { IG_WGRAD(128, 32, 0, ig_fma_product()); }
KERNEL conv_wgrad_64x64(IG_WGRAD_ARGS) { IG_WGRAD(64, 64, 0, ig_fma_product()); }
KERNEL conv_wgrad_64x32(IG_WGRAD_ARGS) { IG_WGRAD(64, 32, 0, ig_fma_product()); }
KERNEL conv_wgrad_32x64(IG_WGRAD_ARGS) { IG_WGRAD(32, 64, 0, ig_fma_product()); }
KERNEL conv_wgrad_32x32(IG_WGRAD_ARGS) { IG_WGRAD(32, 32, 0, ig_fma_product()); }
