// The TF32 tensor-core product of the implicit-GEMM passes
// (igemm_passes.cuh, kernels in igemm_tf32.cu): the same loaders, the same
// double-buffered shared tiles (their rows padded, IG_APAD) and the same
// block of BM·BN/16 threads as the fp32 mainloop (igemm.cuh), but the inner
// product of a pair of tiles
// is m16n8k8 mma.sync steps (mma.cuh) and the sums end in a shared tile of
// C, from which each thread takes its 4×4 block for the epilogue.
//
// Rounding: every value a loader fetches is rounded to TF32 (tf32_round,
// cvt.rna) in registers as it is staged, once, so the fragments read TF32
// values from shared memory as they are.
//
// Warps: the block's BM·BN/512 warps tile the BM×BN tile as (BM/32)×(BN/16),
// each warp 32 rows by 16 columns, 2×2 fragments of 16×8. A fragment wholly
// outside the GEMM (rows ≥ vm or columns ≥ vn) is skipped by its whole warp,
// and an 8-deep k step wholly past the reduction's end by the whole block.
//
// Order: each output is C = 0, then for each k step of 8 in increasing order
// C = mma(A, B, C): the emulation (the stand-in, sm_70) adds the 8 products
// one at a time in k order in fp32, the fp32 mainloop's order on rounded
// inputs; the tensor cores' internal order within a step is not specified,
// but it is the same on every run, so the bits are too.
#pragma once
#include "igemm.cuh"
#include "mma.cuh"

// A staged row of the A and B tiles is padded by IG_APAD floats, so that a
// fragment read (lane 4g+q reads reduction row q, tile row g) falls in 32
// different banks; a row of the shared C tile by IG_CPAD. Both are
// multiples of 4, so that quads stay 16-byte aligned.
#define IG_APAD 8
#define IG_CPAD 4

DEVICE void ig_round_tf32(ig_f4& v) {
	v.x = tf32_float_of(tf32_round(v.x));
	v.y = tf32_float_of(tf32_round(v.y));
	v.z = tf32_float_of(tf32_round(v.z));
	v.w = tf32_float_of(tf32_round(v.w));
}

// ig_stage_tf32 rounds what prob.load fetched and stores it in the tiles.
template <class P> DEVICE void ig_stage_tf32(const P& prob, ig_f4* As, ig_f4* Bs, ig_f4* ra, ig_f4* rb) {
	for (int s = 0; s < P::QA; s++) ig_round_tf32(ra[s]);
	for (int s = 0; s < P::QB; s++) ig_round_tf32(rb[s]);
	prob.store(As, Bs, ra, rb);
}

// ig_mainloop_mma is ig_mainloop with the tensor-core product: the sums of
// reduction rows [r0, r1) of the tile, of which the first vm rows and vn
// columns are inside the GEMM, left in acc as the fp32 mainloop leaves
// them (the thread's rows 4·ty … +3, columns 4·tx … +3). cs is the shared
// C tile, BM rows of BN + IG_CPAD floats. Every thread of the block runs
// every step and barrier.
template <int BM, int BN, class P>
DEVICE void ig_mainloop_mma(P& prob, int r0, int r1, int vm, int vn, ig_f4 (*As)[IG_BK][(BM + IG_APAD) / 4],
                            ig_f4 (*Bs)[IG_BK][(BN + IG_APAD) / 4], float* cs, float (&acc)[4][4]) {
	const int LDA = BM + IG_APAD, LDB = BN + IG_APAD, LDC = BN + IG_CPAD, WN = BN / 16;
	int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, q = lane & 3;
	int wm = warp / WN * 32, wn = warp % WN * 16;
	float d[2][2][4];
	bool live[2][2];
	IG_UNROLL
	for (int mi = 0; mi < 2; mi++)
		IG_UNROLL
		for (int ni = 0; ni < 2; ni++) {
			live[mi][ni] = wm + 16 * mi < vm && wn + 8 * ni < vn;
			IG_UNROLL
			for (int e = 0; e < 4; e++) d[mi][ni][e] = 0.0f;
		}
	int steps = r1 > r0 ? (r1 - r0 + IG_BK - 1) / IG_BK : 0;
	ig_f4 ra[P::QA], rb[P::QB];
	if (steps > 0) {
		prob.load(r0, r1, ra, rb);
		ig_stage_tf32(prob, &As[0][0][0], &Bs[0][0][0], ra, rb);
	}
	__syncthreads();
	for (int step = 0; step < steps; step++) {
		int cur = step & 1;
		bool more = step + 1 < steps;
		if (more) prob.load(r0 + (step + 1) * IG_BK, r1, ra, rb);
		const float* a = (const float*)&As[cur][0][0]; // a[kk·LDA + i] = A[i][kk]
		const float* b = (const float*)&Bs[cur][0][0]; // b[kk·LDB + j] = B[kk][j]
		IG_UNROLL
		for (int ks = 0; ks < IG_BK; ks += 8) {
			if (r0 + step * IG_BK + ks >= r1) break; // zeros only: the same for the whole block
			unsigned af[2][4], bf[2][2];
			IG_UNROLL
			for (int mi = 0; mi < 2; mi++) {
				int i = wm + 16 * mi + g;
				af[mi][0] = tf32_bits_of(a[(ks + q) * LDA + i]);
				af[mi][1] = tf32_bits_of(a[(ks + q) * LDA + i + 8]);
				af[mi][2] = tf32_bits_of(a[(ks + q + 4) * LDA + i]);
				af[mi][3] = tf32_bits_of(a[(ks + q + 4) * LDA + i + 8]);
			}
			IG_UNROLL
			for (int ni = 0; ni < 2; ni++) {
				int j = wn + 8 * ni + g;
				bf[ni][0] = tf32_bits_of(b[(ks + q) * LDB + j]);
				bf[ni][1] = tf32_bits_of(b[(ks + q + 4) * LDB + j]);
			}
			IG_UNROLL
			for (int mi = 0; mi < 2; mi++)
				IG_UNROLL
				for (int ni = 0; ni < 2; ni++)
					if (live[mi][ni]) mma_m16n8k8_tf32(d[mi][ni], af[mi], bf[ni], d[mi][ni]);
		}
		if (more) ig_stage_tf32(prob, &As[cur ^ 1][0][0], &Bs[cur ^ 1][0][0], ra, rb);
		__syncthreads();
	}
	// The fragments' layout (mma.cuh: d[e] = C[g + 8·(e/2)][2q + e%2]) into
	// the shared C tile, and each thread's 4×4 block out of it.
	IG_UNROLL
	for (int mi = 0; mi < 2; mi++)
		IG_UNROLL
		for (int ni = 0; ni < 2; ni++)
			IG_UNROLL
			for (int e = 0; e < 4; e++)
				cs[(wm + 16 * mi + g + 8 * (e >> 1)) * LDC + wn + 8 * ni + 2 * q + (e & 1)] = d[mi][ni][e];
	__syncthreads();
	int tx = threadIdx.x % (BN / 4), ty = threadIdx.x / (BN / 4);
	IG_UNROLL
	for (int i = 0; i < 4; i++) {
		ig_f4 v = *(const ig_f4*)&cs[(4 * ty + i) * LDC + 4 * tx];
		acc[i][0] = v.x;
		acc[i][1] = v.y;
		acc[i][2] = v.z;
		acc[i][3] = v.w;
	}
}

// The TF32 product of the passes (igemm_passes.cuh), over the shared C tile
// cs that the kernel declares (doc.go: shared memory lives in the KERNEL).
struct ig_mma_product {
	static const int PAD = IG_APAD;
	float* cs;
	__device__ __forceinline__ explicit ig_mma_product(float* c) : cs(c) {}
	template <int BM, int BN, class P>
	__device__ __forceinline__ void run(P& prob, int r0, int r1, int vm, int vn, ig_f4 (*As)[IG_BK][(BM + PAD) / 4],
	                                    ig_f4 (*Bs)[IG_BK][(BN + PAD) / 4], float (&acc)[4][4]) const {
		static_assert(BM % 32 == 0 && BN % 16 == 0, "warp tiles of 32×16");
		ig_mainloop_mma<BM, BN>(prob, r0, r1, vm, vn, As, Bs, cs, acc);
	}
};
