// The tile machinery of the implicit-GEMM convolutions (igemm.cu): a block of
// BM·BN/16 threads computes a BM×BN tile of a GEMM C = A·B whose operands are
// never stored whole: loaders read their elements from the convolution's
// tensors (an input patch, a filter tap) as the reduction advances, BK = 16
// reduction rows at a time, into shared memory. Each thread owns a 4×4
// block of the tile in registers: rows 4·ty … 4·ty+3, columns 4·tx … 4·tx+3.
//
// The three parts are separate so that each can change alone: the loaders
// (what A and B are, igemm_passes.cuh), the mainloop (ig_mainloop with the
// inner product ig_tile_fma here; the TF32 tensor-core one in
// igemm_mma.cuh) and the epilogues (what is done with the 4×4 sums,
// igemm_passes.cuh). Every output element is the sum over its reduction
// index in increasing order, one term at a time, in the thread that owns
// it: the order depends on the sizes alone, and not on the tile, the row
// order or the grid.
#pragma once
#include "common.cuh"

#define IG_BK 16

// Loops over a thread's 4×4 outputs are unrolled, so that the sums stay in
// registers (an array indexed in a loop that is not unrolled lives in local
// memory); the host build has no such pragma.
#ifdef MNISTGPU_HOST
#define IG_UNROLL
#else
#define IG_UNROLL _Pragma("unroll")
#endif

// Four consecutive floats, 16-byte aligned: one vector load or store.
struct alignas(16) ig_f4 {
	float x, y, z, w;
};

// The double-buffered shared tiles of T rows or columns, each row of a
// buffer padded by PAD floats: tiles[buffer][reduction row][quad].
template <int T, int PAD> using ig_tiles = ig_f4 (*)[IG_BK][(T + PAD) / 4];

DEVICE ig_f4 ig_zero4() {
	ig_f4 v = {0.0f, 0.0f, 0.0f, 0.0f};
	return v;
}

DEVICE bool ig_aligned(const float* p) { return ((unsigned long long)p & 15) == 0; }

// A convolution's sizes (engine.ConvParams): NHWC input, KRSC filters,
// TensorFlow's padding (top/left given; taps outside the image read zero).
struct ig_conv {
	int n, h, w, c, k, r, s, sh, sw, top, left, oh, ow;
};

// Where a thread's loads go in a tile of T rows or columns by BK reduction
// rows, stored [BK][T] in shared memory. A K-major quad is 4 consecutive
// reduction elements of one row (the source is contiguous along the
// reduction: an input patch, a filter); an MN-major quad is 4 consecutive
// rows of one reduction element (the source is contiguous along the tile's
// rows or columns). Both tiles have 4·T quads; thread t of the block's NT
// loads quads t, t+NT, … A staged row of the tile is LD ≥ T floats (LD a
// multiple of 4): T in the fp32 kernels, padded for the tensor cores'
// fragment reads (igemm_mma.cuh).
template <int T, int NT, int LD = T> struct ig_quads {
	static const int per_thread = (4 * T + NT - 1) / NT;
	static __device__ __forceinline__ bool live(int slot) { return (int)threadIdx.x + NT * slot < 4 * T; }
	static __device__ __forceinline__ int index(int slot) { return threadIdx.x + NT * slot; }
	// K-major: quad q covers row q/4, reduction rows 4·(q%4) … +3.
	static __device__ __forceinline__ int kmajor_row(int slot) { return index(slot) >> 2; }
	static __device__ __forceinline__ int kmajor_k(int slot) { return (index(slot) & 3) * 4; }
	static __device__ __forceinline__ void store_kmajor(ig_f4* tile, int slot, const ig_f4& v) {
		if (!live(slot)) return;
		float* t = (float*)tile;
		int row = kmajor_row(slot), k = kmajor_k(slot);
		t[(k + 0) * LD + row] = v.x;
		t[(k + 1) * LD + row] = v.y;
		t[(k + 2) * LD + row] = v.z;
		t[(k + 3) * LD + row] = v.w;
	}
	// MN-major: quad q covers reduction row q/(T/4), rows 4·(q%(T/4)) … +3.
	static __device__ __forceinline__ int mnmajor_k(int slot) { return index(slot) / (T / 4); }
	static __device__ __forceinline__ int mnmajor_col(int slot) { return index(slot) % (T / 4) * 4; }
	static __device__ __forceinline__ void store_mnmajor(ig_f4* tile, int slot, const ig_f4& v) {
		if (!live(slot)) return;
		if (LD == T)
			tile[index(slot)] = v;
		else
			tile[mnmajor_k(slot) * (LD / 4) + mnmajor_col(slot) / 4] = v;
	}
};

// The inner product of one pair of shared tiles: acc[i][j] += A[kk][4·ty+i]
// · B[kk][4·tx+j] for kk = 0 … BK−1 in order (the FMA form; igemm_mma.cuh
// has the TF32 tensor-core one).
template <int BM, int BN>
DEVICE void ig_tile_fma(const ig_f4 (*As)[BM / 4], const ig_f4 (*Bs)[BN / 4], int ty, int tx, float (&acc)[4][4]) {
	IG_UNROLL
	for (int kk = 0; kk < IG_BK; kk++) {
		ig_f4 a = As[kk][ty], b = Bs[kk][tx];
		float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
		IG_UNROLL
		for (int i = 0; i < 4; i++)
			IG_UNROLL
			for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
	}
}

// The mainloop over reduction rows [r0, r1): double-buffered shared tiles
// (the next tile's loads are in flight in registers while this one is
// multiplied), one barrier per step. P loads: load(r, ra, rb) fetches the
// quads of reduction rows r … r+BK−1 (zero past r1 and outside the
// operands) into registers, store(As, Bs, ra, rb) puts them in shared
// memory. Every thread of the block runs every step: the step count is the
// block's.
template <int BM, int BN, class P>
DEVICE void ig_mainloop(P& prob, int r0, int r1, ig_f4 (*As)[IG_BK][BM / 4], ig_f4 (*Bs)[IG_BK][BN / 4],
                        float (&acc)[4][4]) {
	int tx = threadIdx.x % (BN / 4), ty = threadIdx.x / (BN / 4);
	IG_UNROLL
	for (int i = 0; i < 4; i++)
		IG_UNROLL
		for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
	int steps = r1 > r0 ? (r1 - r0 + IG_BK - 1) / IG_BK : 0;
	if (steps == 0) return;
	ig_f4 ra[P::QA], rb[P::QB];
	prob.load(r0, r1, ra, rb);
	prob.store(&As[0][0][0], &Bs[0][0][0], ra, rb);
	__syncthreads();
	for (int t = 0; t < steps; t++) {
		int cur = t & 1;
		bool more = t + 1 < steps;
		if (more) prob.load(r0 + (t + 1) * IG_BK, r1, ra, rb);
		ig_tile_fma<BM, BN>(As[cur], Bs[cur], ty, tx, acc);
		if (more) prob.store(&As[cur ^ 1][0][0], &Bs[cur ^ 1][0][0], ra, rb);
		__syncthreads();
	}
}

// The fp32 product of the passes (igemm_passes.cuh): ig_mainloop, each
// thread summing its own 4×4 outputs (the tile's extent vm×vn is not needed),
// on unpadded tiles.
struct ig_fma_product {
	static const int PAD = 0;
	template <int BM, int BN, class P>
	__device__ __forceinline__ void run(P& prob, int r0, int r1, int vm, int vn, ig_f4 (*As)[IG_BK][BM / 4],
	                                    ig_f4 (*Bs)[IG_BK][BN / 4], float (&acc)[4][4]) const {
		ig_mainloop<BM, BN>(prob, r0, r1, As, Bs, acc);
	}
};
