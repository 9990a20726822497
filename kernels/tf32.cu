// Minimum architecture: sm_80
//
// TF32 kernels on the tensor cores (mma.cuh): a GEMM the backend may use
// instead of cuBLAS in TF32 mode (gpu/tf32.go), and the two building blocks
// on their own, for the tests. The line above makes `make ptx` compile this
// file for compute_80 and `make check-ptx` assemble it for sm_80 and newer
// only; its PTX says `.target sm_80`, and the backend loads such a module
// only on a device that has that architecture (the CPU stand-in runs every
// module from its host build).
#include "common.cuh"
#include "mma.cuh"

// y[i] = x[i] rounded to TF32: the emulation, or what tf32_round is on this
// architecture (cvt.rna.tf32.f32 on sm_80+).
KERNEL tf32_round_array(int emulate, int n, const float* x, float* y) {
	for (int i = first_index(); i < n; i += grid_stride())
		y[i] = tf32_float_of(emulate ? tf32_round_emulated(x[i]) : tf32_round(x[i]));
}

// One warp: D = A·B + C for A 16×8, B 8×8, C and D 16×8, all row-major fp32,
// A and B rounded to TF32 first, through the emulated or this architecture's
// mma_m16n8k8_tf32 with PTX's fragment layout (mma.cuh).
KERNEL tf32_mma_tile(int emulate, const float* a, const float* b, const float* c, float* d) {
	int lane = tf32_lane(), g = lane >> 2, t = lane & 3;
	float a4[4] = {a[g * 8 + t], a[(g + 8) * 8 + t], a[g * 8 + t + 4], a[(g + 8) * 8 + t + 4]};
	float b2[2] = {b[t * 8 + g], b[(t + 4) * 8 + g]};
	unsigned af[4], bf[2];
	for (int i = 0; i < 4; i++) af[i] = emulate ? tf32_round_emulated(a4[i]) : tf32_round(a4[i]);
	for (int i = 0; i < 2; i++) bf[i] = emulate ? tf32_round_emulated(b2[i]) : tf32_round(b2[i]);
	float cf[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
	float df[4];
	if (emulate)
		mma_m16n8k8_tf32_emulated(df, af, bf, cf);
	else
		mma_m16n8k8_tf32(df, af, bf, cf);
	d[g * 8 + 2 * t] = df[0];
	d[g * 8 + 2 * t + 1] = df[1];
	d[(g + 8) * 8 + 2 * t] = df[2];
	d[(g + 8) * 8 + 2 * t + 1] = df[3];
}

// The GEMM's tiles: a block of TF32_THREADS threads (4 warps, 2×2) computes
// a TF32_BM×TF32_BN tile of C, each warp 32×32 of it as 2×4 m16n8k8
// fragments; A and B pass through shared memory TF32_BK values of k at a
// time, rounded to TF32 once as they are staged, and the next TF32_BK are
// read into registers while the tensor cores work on the staged ones. A row
// of a staged tile is padded by 8 words so that the fragment reads (lane
// 4g+t reads k = t, row g) fall in 32 different banks.
#define TF32_BM 64
#define TF32_BN 64
#define TF32_BK 16
#define TF32_THREADS 128
#define TF32_PAD 8
#define TF32_PER_THREAD (TF32_BM * TF32_BK / TF32_THREADS) // values of A (and of B) a thread stages
static_assert(TF32_BM == TF32_BN, "tf32_fetch and tf32_stage serve A and B alike");

// tf32_fetch reads a thread's share of a TF32_BM×TF32_BK tile of op(A) at
// row0, k0 (0 outside the m×ke matrix) into v, v[r] being element
// tid + r·TF32_THREADS of the tile, (i = e / TF32_BK, kk = e % TF32_BK) or,
// transposed, (i = e % TF32_BM, kk = e / TF32_BM): consecutive threads read
// consecutive addresses either way. B is fetched as its transpose (op(B)ᵀ is
// n×k, transposed when B is not), so one function serves both.
DEVICE void tf32_fetch(float* v, int tid, int trans, int rows, int ke, int row0, int k0, const float* x, int ld) {
	for (int r = 0; r < TF32_PER_THREAD; r++) {
		int e = tid + r * TF32_THREADS;
		int i = trans ? e % TF32_BM : e / TF32_BK, kk = trans ? e / TF32_BM : e % TF32_BK;
		int gi = row0 + i, gk = k0 + kk;
		v[r] = 0.0f;
		if (gi < rows && gk < ke) v[r] = trans ? x[(long long)gk * ld + gi] : x[(long long)gi * ld + gk];
	}
}

// tf32_stage rounds what tf32_fetch read to TF32 into s[kk][i].
DEVICE void tf32_stage(unsigned (*s)[TF32_BM + TF32_PAD], const float* v, int tid, int trans) {
	for (int r = 0; r < TF32_PER_THREAD; r++) {
		int e = tid + r * TF32_THREADS;
		int i = trans ? e % TF32_BM : e / TF32_BK, kk = trans ? e / TF32_BM : e % TF32_BK;
		s[kk][i] = tf32_round(v[r]);
	}
}

// *out = alpha·acc + beta·*out, each product and the sum rounded to fp32;
// with beta = 0, *out is not read (it may hold anything, NaN included).
DEVICE void tf32_store(float* out, float alpha, float acc, float beta) {
	float v = tf32_fmul(alpha, acc);
	if (beta != 0.0f) v = tf32_fadd(v, tf32_fmul(beta, *out));
	*out = v;
}

// C = alpha·op(A)·op(B) + beta·C, row-major, op(A) m×k and op(B) k×n: A is
// a[i·lda + kk] (or a[kk·lda + i] transposed), B b[kk·ldb + j] (or b[j·ldb +
// kk]). k is cut into slices of kslice (a multiple of TF32_BK; the last may
// be shorter), slice s for the blocks of row blockIdx.y / ⌈m/TF32_BM⌉ = s.
// A block sums its slice over kk in order (the fragments' fixed order, tile
// after tile; values outside the matrices are staged as zeros, which add
// nothing) into acc. With one slice (kslice ≥ k) it stores C = alpha·acc
// (+ beta·C where beta ≠ 0; C is not read otherwise); with several,
// part[s·m·n + i·n + j] = acc, and tf32_gemm_reduce adds the slices in
// order. No atomics: the same sizes and inputs give the same bits. Grid:
// ⌈n/TF32_BN⌉ × ⌈m/TF32_BM⌉·slices blocks of TF32_THREADS threads.
KERNEL tf32_gemm(int transA, int transB, int m, int n, int k, int kslice, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc, float* part) {
	__shared__ unsigned as[TF32_BK][TF32_BM + TF32_PAD]; // as[kk][i]: A[row0+i][k0+kk]
	__shared__ unsigned bs[TF32_BK][TF32_BN + TF32_PAD]; // bs[kk][j]: B[k0+kk][col0+j]
	int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane >> 2, t = lane & 3;
	int tilesM = (m + TF32_BM - 1) / TF32_BM, slice = blockIdx.y / tilesM;
	int row0 = (blockIdx.y % tilesM) * TF32_BM, col0 = blockIdx.x * TF32_BN;
	int kb = slice * kslice, ke = min(k, kb + kslice);
	int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
	float acc[2][4][4];
	for (int mi = 0; mi < 2; mi++)
		for (int ni = 0; ni < 4; ni++)
			for (int i = 0; i < 4; i++) acc[mi][ni][i] = 0.0f;
	float va[TF32_PER_THREAD], vb[TF32_PER_THREAD];
	tf32_fetch(va, tid, transA, m, ke, row0, kb, a, lda);
	tf32_fetch(vb, tid, !transB, n, ke, col0, kb, b, ldb);
	for (int k0 = kb; k0 < ke; k0 += TF32_BK) {
		tf32_stage(as, va, tid, transA);
		tf32_stage(bs, vb, tid, !transB);
		__syncthreads();
		if (k0 + TF32_BK < ke) {
			tf32_fetch(va, tid, transA, m, ke, row0, k0 + TF32_BK, a, lda);
			tf32_fetch(vb, tid, !transB, n, ke, col0, k0 + TF32_BK, b, ldb);
		}
		for (int ks = 0; ks < TF32_BK; ks += 8) {
			unsigned af[2][4], bf[4][2];
			for (int mi = 0; mi < 2; mi++) {
				int i = wm + mi * 16 + g;
				af[mi][0] = as[ks + t][i];
				af[mi][1] = as[ks + t][i + 8];
				af[mi][2] = as[ks + t + 4][i];
				af[mi][3] = as[ks + t + 4][i + 8];
			}
			for (int ni = 0; ni < 4; ni++) {
				int j = wn + ni * 8 + g;
				bf[ni][0] = bs[ks + t][j];
				bf[ni][1] = bs[ks + t + 4][j];
			}
			// A fragment wholly outside C is skipped, by the whole warp alike.
			for (int mi = 0; mi < 2; mi++)
				for (int ni = 0; ni < 4; ni++)
					if (row0 + wm + mi * 16 < m && col0 + wn + ni * 8 < n)
						mma_m16n8k8_tf32(acc[mi][ni], af[mi], bf[ni], acc[mi][ni]);
		}
		__syncthreads();
	}
	for (int mi = 0; mi < 2; mi++)
		for (int ni = 0; ni < 4; ni++)
			for (int r = 0; r < 4; r++) {
				int i = row0 + wm + mi * 16 + g + (r >= 2 ? 8 : 0), j = col0 + wn + ni * 8 + 2 * t + (r & 1);
				if (i >= m || j >= n) continue;
				if (kslice < k) {
					part[((long long)slice * m + i) * n + j] = acc[mi][ni][r];
					continue;
				}
				tf32_store(&c[(long long)i * ldc + j], alpha, acc[mi][ni][r], beta);
			}
}

// The slices of a split tf32_gemm: C[i][j] = alpha·acc (+ beta·C where beta
// ≠ 0), acc = part[0][i][j] + part[1][i][j] + … over the slices in order.
KERNEL tf32_gemm_reduce(int slices, int m, int n, float alpha, const float* part, float beta, float* c, int ldc) {
	long long mn = (long long)m * n;
	for (long long e = first_index(); e < mn; e += grid_stride()) {
		float acc = part[e];
		for (int s = 1; s < slices; s++) acc = tf32_fadd(acc, part[s * mn + e]);
		tf32_store(&c[e / n * ldc + e % n], alpha, acc, beta);
	}
}
