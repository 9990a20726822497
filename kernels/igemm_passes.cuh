// The three passes of the implicit-GEMM convolutions (igemm.cu and its
// TF32 twin igemm_tf32.cu): their operands (the loaders that fill the
// shared tiles from the tensors), their epilogues (what is done with a
// thread's 4×4 sums) and the kernels' parameter lists. The inner product
// between is the Product a body is given: ig_fma_product (igemm.cuh), fp32
// FMAs in a fixed order, or ig_mma_product (igemm_mma.cuh), TF32 tensor
// cores; both leave each thread its 4×4 block of the tile, rows 4·ty …
// 4·ty+3, columns 4·tx … 4·tx+3, so the epilogues are the same code.
// Product::run<BM, BN>(prob, r0, r1, vm, vn, As, Bs, acc) sums reduction rows
// [r0, r1) of the tile whose first vm rows and vn columns are inside the
// GEMM.
#pragma once
#include "common.cuh"
#include "activation.cuh"
#include "igemm.cuh"

// Forward's epilogues (mode): plain store; bias and activation as it stores
// (bias_activation_forward's z and y, bit for bit); bias, activation and the
// 2×2 stride-2 max pool that follows (maxpool_forward's output and its
// argmax).
#define IG_STORE 0
#define IG_BIAS_ACT 1
#define IG_BIAS_ACT_POOL 2

// The forward pass's operands: A rows are output pixels, in NHWC order, or
// with the pool epilogue in pool-window order (pixel (b, 2py+q/2, 2px+q%2)
// is row 4·((b·OH/2 + py)·OW/2 + px) + q, so that a thread's 4 rows are one
// window); B rows are filters. Both are contiguous along the reduction
// index (ky, kx, ch).
template <int BM, int BN, int PAD = 0> struct ig_fprop {
	typedef ig_quads<BM, BM * BN / 16, BM + PAD> QAq;
	typedef ig_quads<BN, BM * BN / 16, BN + PAD> QBq;
	static const int QA = QAq::per_thread, QB = QBq::per_thread;
	ig_conv p;
	const float* x;
	const float* w;
	int kg;
	bool xvec, wvec;
	long long abase[QA]; // the row's image in x
	int aiy[QA], aix[QA]; // its window's top-left input pixel
	bool aok[QA];
	long long bbase[QB]; // the row's filter in w
	bool bok[QB];

	__device__ __forceinline__ void init(const ig_conv& cp, const float* x_, const float* w_, int m0, int n0, bool pooled) {
		p = cp;
		x = x_;
		w = w_;
		kg = p.r * p.s * p.c;
		xvec = p.c % 4 == 0 && ig_aligned(x);
		wvec = kg % 4 == 0 && ig_aligned(w);
		int mtot = p.n * p.oh * p.ow;
		for (int s = 0; s < QA; s++) {
			int m = m0 + QAq::kmajor_row(s);
			aok[s] = QAq::live(s) && m < mtot;
			if (!aok[s]) m = 0;
			int b, oy, ox;
			if (pooled) {
				int q = m & 3, win = m >> 2, pw = p.ow / 2, ph = p.oh / 2;
				int px = win % pw, rest = win / pw;
				int py = rest % ph;
				b = rest / ph;
				oy = 2 * py + (q >> 1);
				ox = 2 * px + (q & 1);
			} else {
				ox = m % p.ow;
				int rest = m / p.ow;
				oy = rest % p.oh;
				b = rest / p.oh;
			}
			abase[s] = (long long)b * p.h * p.w * p.c;
			aiy[s] = oy * p.sh - p.top;
			aix[s] = ox * p.sw - p.left;
		}
		for (int s = 0; s < QB; s++) {
			int n = n0 + QBq::kmajor_row(s);
			bok[s] = QBq::live(s) && n < p.k;
			bbase[s] = bok[s] ? (long long)n * kg : 0;
		}
	}

	// x at row slot s, reduction index kk (0 past r1, in padding or past the row's end).
	__device__ __forceinline__ float x_at(int s, int kk, int r1) const {
		if (kk >= r1) return 0.0f;
		int ch = kk % p.c, tap = kk / p.c;
		int iy = aiy[s] + tap / p.s, ix = aix[s] + tap % p.s;
		if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) return 0.0f;
		return x[abase[s] + ((long long)iy * p.w + ix) * p.c + ch];
	}

	__device__ __forceinline__ void load(int r, int r1, ig_f4* ra, ig_f4* rb) const {
		for (int s = 0; s < QA; s++) {
			ig_f4 v = ig_zero4();
			int kk = r + QAq::kmajor_k(s);
			if (aok[s] && xvec) { // one tap, 4 channels
				if (kk < r1) {
					int ch = kk % p.c, tap = kk / p.c;
					int iy = aiy[s] + tap / p.s, ix = aix[s] + tap % p.s;
					if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w)
						v = *(const ig_f4*)(x + abase[s] + ((long long)iy * p.w + ix) * p.c + ch);
				}
			} else if (aok[s]) {
				v.x = x_at(s, kk, r1);
				v.y = x_at(s, kk + 1, r1);
				v.z = x_at(s, kk + 2, r1);
				v.w = x_at(s, kk + 3, r1);
			}
			ra[s] = v;
		}
		for (int s = 0; s < QB; s++) {
			ig_f4 v = ig_zero4();
			int kk = r + QBq::kmajor_k(s);
			if (bok[s] && wvec) {
				if (kk < r1) v = *(const ig_f4*)(w + bbase[s] + kk);
			} else if (bok[s]) {
				const float* f = w + bbase[s];
				v.x = kk < r1 ? f[kk] : 0.0f;
				v.y = kk + 1 < r1 ? f[kk + 1] : 0.0f;
				v.z = kk + 2 < r1 ? f[kk + 2] : 0.0f;
				v.w = kk + 3 < r1 ? f[kk + 3] : 0.0f;
			}
			rb[s] = v;
		}
	}

	__device__ __forceinline__ void store(ig_f4* As, ig_f4* Bs, const ig_f4* ra, const ig_f4* rb) const {
		for (int s = 0; s < QA; s++) QAq::store_kmajor(As, s, ra[s]);
		for (int s = 0; s < QB; s++) QBq::store_kmajor(Bs, s, rb[s]);
	}
};

DEVICE ig_f4 ig_quad(const float (&v)[4]) {
	ig_f4 q = {v[0], v[1], v[2], v[3]};
	return q;
}

// Stores the 4 values of row m from column n on (those below cols), as one
// vector where the row's quad is whole and aligned.
DEVICE void ig_store_row(float* out, long long m, int n, int cols, ig_f4 v) {
	float* o = out + m * cols + n;
	if (cols % 4 == 0 && n + 3 < cols && ig_aligned(o)) {
		*(ig_f4*)o = v;
		return;
	}
	o[0] = v.x;
	if (n + 1 < cols) o[1] = v.y;
	if (n + 2 < cols) o[2] = v.z;
	if (n + 3 < cols) o[3] = v.w;
}

template <int BM, int BN, class Product>
DEVICE void ig_fprop_body(const Product& prod, const ig_conv& p, int mode, int f, float alpha, const float* x,
                          const float* wt, const float* bias, float* out0, float* out1, float* out2,
                          ig_tiles<BM, Product::PAD> As, ig_tiles<BN, Product::PAD> Bs) {
	int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
	ig_fprop<BM, BN, Product::PAD> prob;
	prob.init(p, x, wt, m0, n0, mode == IG_BIAS_ACT_POOL);
	int mtot = p.n * p.oh * p.ow;
	float acc[4][4];
	prod.template run<BM, BN>(prob, 0, prob.kg, mtot - m0, p.k - n0, As, Bs, acc);
	int tx = threadIdx.x % (BN / 4), ty = threadIdx.x / (BN / 4);
	int row = m0 + 4 * ty, n = n0 + 4 * tx;
	if (n >= p.k) return;
	if (mode == IG_BIAS_ACT_POOL) {
		// The thread's 4 rows are one window (mtot is a multiple of 4); the
		// first maximum in row-major window order wins, as pool_argmax.
		if (row >= mtot) return;
		long long win = row >> 2;
		float best[4], arg[4], bz[4];
		IG_UNROLL
		for (int j = 0; j < 4; j++) {
			float b = n + j < p.k ? bias[n + j] : 0.0f;
			IG_UNROLL
			for (int q = 0; q < 4; q++) {
				float z = acc[q][j] + b, v = activate(f, alpha, z);
				if (q == 0 || v > best[j]) {
					best[j] = v;
					arg[j] = (float)q;
					bz[j] = z;
				}
			}
		}
		ig_store_row(out0, win, n, p.k, ig_quad(best));
		ig_store_row(out1, win, n, p.k, ig_quad(arg));
		ig_store_row(out2, win, n, p.k, ig_quad(bz));
		return;
	}
	IG_UNROLL
	for (int i = 0; i < 4; i++) {
		if (row + i >= mtot) continue;
		if (mode == IG_BIAS_ACT) {
			float z[4], y[4];
			IG_UNROLL
			for (int j = 0; j < 4; j++) {
				z[j] = acc[i][j] + (n + j < p.k ? bias[n + j] : 0.0f);
				y[j] = activate(f, alpha, z[j]);
			}
			ig_store_row(out0, row + i, n, p.k, ig_quad(z));
			ig_store_row(out1, row + i, n, p.k, ig_quad(y));
		} else {
			ig_store_row(out0, row + i, n, p.k, ig_quad(acc[i]));
		}
	}
}

// The backward-data pass's operands: A rows are input pixels (b, iy, ix),
// contiguous along the reduction index j = (ky, kx, k) in dy where the tap
// reaches an output pixel; B is w read as (ky, kx, k) × ch, contiguous
// along ch (the tile's columns).
template <int BM, int BN, int PAD = 0> struct ig_dgrad {
	typedef ig_quads<BM, BM * BN / 16, BM + PAD> QAq;
	typedef ig_quads<BN, BM * BN / 16, BN + PAD> QBq;
	static const int QA = QAq::per_thread, QB = QBq::per_thread;
	ig_conv p;
	const float* dy;
	const float* w;
	int n0;
	bool dyvec, wvec;
	long long abase[QA]; // the row's image in dy
	int aty[QA], atx[QA]; // iy + top, ix + left
	bool aok[QA];

	__device__ __forceinline__ void init(const ig_conv& cp, const float* dy_, const float* w_, int m0, int n0_) {
		p = cp;
		dy = dy_;
		w = w_;
		n0 = n0_;
		dyvec = p.k % 4 == 0 && ig_aligned(dy);
		wvec = p.c % 4 == 0 && ig_aligned(w);
		int mtot = p.n * p.h * p.w;
		for (int s = 0; s < QA; s++) {
			int m = m0 + QAq::kmajor_row(s);
			aok[s] = QAq::live(s) && m < mtot;
			if (!aok[s]) m = 0;
			int ix = m % p.w, rest = m / p.w;
			int iy = rest % p.h, b = rest / p.h;
			abase[s] = (long long)b * p.oh * p.ow * p.k;
			aty[s] = iy + p.top;
			atx[s] = ix + p.left;
		}
	}

	// Offset in dy of tap (ky, kx) at row slot s, or −1 where the tap reads
	// no output pixel.
	__device__ __forceinline__ long long dy_row(int s, int tap) const {
		int ty = aty[s] - tap / p.s, tx = atx[s] - tap % p.s;
		if (ty < 0 || tx < 0 || ty % p.sh != 0 || tx % p.sw != 0) return -1;
		int oy = ty / p.sh, ox = tx / p.sw;
		if (oy >= p.oh || ox >= p.ow) return -1;
		return abase[s] + ((long long)oy * p.ow + ox) * p.k;
	}

	__device__ __forceinline__ float dy_at(int s, int j, int r1) const {
		if (j >= r1) return 0.0f;
		long long o = dy_row(s, j / p.k);
		return o < 0 ? 0.0f : dy[o + j % p.k];
	}

	__device__ __forceinline__ void load(int r, int r1, ig_f4* ra, ig_f4* rb) const {
		for (int s = 0; s < QA; s++) {
			ig_f4 v = ig_zero4();
			int j = r + QAq::kmajor_k(s);
			if (aok[s] && dyvec) { // one tap, 4 filters
				if (j < r1) {
					long long o = dy_row(s, j / p.k);
					if (o >= 0) v = *(const ig_f4*)(dy + o + j % p.k);
				}
			} else if (aok[s]) {
				v.x = dy_at(s, j, r1);
				v.y = dy_at(s, j + 1, r1);
				v.z = dy_at(s, j + 2, r1);
				v.w = dy_at(s, j + 3, r1);
			}
			ra[s] = v;
		}
		for (int s = 0; s < QB; s++) {
			ig_f4 v = ig_zero4();
			int j = r + QBq::mnmajor_k(s), ch = n0 + QBq::mnmajor_col(s);
			if (QBq::live(s) && j < r1 && ch < p.c) {
				const float* f = w + ((long long)(j % p.k) * p.r * p.s + j / p.k) * p.c + ch;
				if (wvec) {
					v = *(const ig_f4*)f;
				} else {
					v.x = f[0];
					v.y = ch + 1 < p.c ? f[1] : 0.0f;
					v.z = ch + 2 < p.c ? f[2] : 0.0f;
					v.w = ch + 3 < p.c ? f[3] : 0.0f;
				}
			}
			rb[s] = v;
		}
	}

	__device__ __forceinline__ void store(ig_f4* As, ig_f4* Bs, const ig_f4* ra, const ig_f4* rb) const {
		for (int s = 0; s < QA; s++) QAq::store_kmajor(As, s, ra[s]);
		for (int s = 0; s < QB; s++) QBq::store_mnmajor(Bs, s, rb[s]);
	}
};

template <int BM, int BN, class Product>
DEVICE void ig_dgrad_body(const Product& prod, const ig_conv& p, const float* dy, const float* wt, float* dx,
                          ig_tiles<BM, Product::PAD> As, ig_tiles<BN, Product::PAD> Bs) {
	int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
	ig_dgrad<BM, BN, Product::PAD> prob;
	prob.init(p, dy, wt, m0, n0);
	int mtot = p.n * p.h * p.w;
	float acc[4][4];
	prod.template run<BM, BN>(prob, 0, p.r * p.s * p.k, mtot - m0, p.c - n0, As, Bs, acc);
	int tx = threadIdx.x % (BN / 4), ty = threadIdx.x / (BN / 4);
	int row = m0 + 4 * ty, n = n0 + 4 * tx;
	if (n >= p.c) return;
	IG_UNROLL
	for (int i = 0; i < 4; i++)
		if (row + i < mtot) ig_store_row(dx, row + i, n, p.c, ig_quad(acc[i]));
}

// The backward-filter pass's operands: the GEMM's rows are filters, its
// columns the reduction index (ky, kx, ch) of the forward pass, its
// reduction the output pixels. A is dy read as pixels × filters, B the
// input patches read as pixels × (ky, kx, ch): both contiguous along the
// tile's rows or columns.
template <int BM, int BN, int PAD = 0> struct ig_wgrad {
	typedef ig_quads<BM, BM * BN / 16, BM + PAD> QAq;
	typedef ig_quads<BN, BM * BN / 16, BN + PAD> QBq;
	static const int QA = QAq::per_thread, QB = QBq::per_thread;
	ig_conv p;
	const float* x;
	const float* dy;
	int m0;
	bool xvec, dyvec;
	int bky[QB][4], bkx[QB][4], bch[QB][4]; // the column's tap and channel
	bool bok[QB][4];

	__device__ __forceinline__ void init(const ig_conv& cp, const float* x_, const float* dy_, int m0_, int n0) {
		p = cp;
		x = x_;
		dy = dy_;
		m0 = m0_;
		xvec = p.c % 4 == 0 && ig_aligned(x);
		dyvec = p.k % 4 == 0 && ig_aligned(dy);
		int kg = p.r * p.s * p.c;
		for (int s = 0; s < QB; s++)
			for (int e = 0; e < 4; e++) {
				int kk = n0 + QBq::mnmajor_col(s) + e;
				bok[s][e] = QBq::live(s) && kk < kg;
				if (!bok[s][e]) kk = 0;
				int tap = kk / p.c;
				bch[s][e] = kk % p.c;
				bky[s][e] = tap / p.s - p.top;
				bkx[s][e] = tap % p.s - p.left;
			}
	}

	__device__ __forceinline__ void load(int r, int r1, ig_f4* ra, ig_f4* rb) const {
		for (int s = 0; s < QA; s++) {
			ig_f4 v = ig_zero4();
			int m = r + QAq::mnmajor_k(s), k = m0 + QAq::mnmajor_col(s);
			if (QAq::live(s) && m < r1 && k < p.k) {
				const float* g = dy + (long long)m * p.k + k;
				if (dyvec) {
					v = *(const ig_f4*)g;
				} else {
					v.x = g[0];
					v.y = k + 1 < p.k ? g[1] : 0.0f;
					v.z = k + 2 < p.k ? g[2] : 0.0f;
					v.w = k + 3 < p.k ? g[3] : 0.0f;
				}
			}
			ra[s] = v;
		}
		for (int s = 0; s < QB; s++) {
			ig_f4 v = ig_zero4();
			int m = r + QBq::mnmajor_k(s);
			if (QBq::live(s) && m < r1) {
				int ox = m % p.ow, rest = m / p.ow;
				int oy = rest % p.oh, b = rest / p.oh;
				int y0 = oy * p.sh, x0 = ox * p.sw;
				const float* img = x + (long long)b * p.h * p.w * p.c;
				if (xvec) { // one tap, 4 channels
					int iy = y0 + bky[s][0], ix = x0 + bkx[s][0];
					if (bok[s][0] && iy >= 0 && iy < p.h && ix >= 0 && ix < p.w)
						v = *(const ig_f4*)(img + ((long long)iy * p.w + ix) * p.c + bch[s][0]);
				} else {
					float e4[4];
					for (int e = 0; e < 4; e++) {
						int iy = y0 + bky[s][e], ix = x0 + bkx[s][e];
						e4[e] = bok[s][e] && iy >= 0 && iy < p.h && ix >= 0 && ix < p.w
						            ? img[((long long)iy * p.w + ix) * p.c + bch[s][e]]
						            : 0.0f;
					}
					v.x = e4[0];
					v.y = e4[1];
					v.z = e4[2];
					v.w = e4[3];
				}
			}
			rb[s] = v;
		}
	}

	__device__ __forceinline__ void store(ig_f4* As, ig_f4* Bs, const ig_f4* ra, const ig_f4* rb) const {
		for (int s = 0; s < QA; s++) QAq::store_mnmajor(As, s, ra[s]);
		for (int s = 0; s < QB; s++) QBq::store_mnmajor(Bs, s, rb[s]);
	}
};

// Backward filter over a grid of (tiles, chunks): block (t, c) sums
// reduction rows [c·chunk, (c+1)·chunk) of tile t. With one chunk it stores
// dw; otherwise it stores its partial tile in part[c] (chunks × K × R·S·C),
// and the tile's last block to finish (counted in done[t], which wraps to 0
// for the next launch) adds the chunks' partials in chunk order into dw, so
// which block finishes last changes nothing.
template <int BM, int BN, class Product>
DEVICE void ig_wgrad_body(const Product& prod, const ig_conv& p, int chunk, const float* x, const float* dy,
                          float* part, unsigned* done, float* dw, ig_tiles<BM, Product::PAD> As,
                          ig_tiles<BN, Product::PAD> Bs, int& last) {
	int kg = p.r * p.s * p.c, tiles_m = (p.k + BM - 1) / BM;
	int m0 = blockIdx.x % tiles_m * BM, n0 = blockIdx.x / tiles_m * BN;
	int rows = p.n * p.oh * p.ow, r0 = blockIdx.y * chunk, r1 = min(rows, r0 + chunk);
	ig_wgrad<BM, BN, Product::PAD> prob;
	prob.init(p, x, dy, m0, n0);
	float acc[4][4];
	prod.template run<BM, BN>(prob, r0, r1, p.k - m0, kg - n0, As, Bs, acc);
	int tx = threadIdx.x % (BN / 4), ty = threadIdx.x / (BN / 4);
	int row = m0 + 4 * ty, n = n0 + 4 * tx;
	bool mine = n < kg;
	if (gridDim.y == 1) {
		IG_UNROLL
		for (int i = 0; i < 4; i++)
			if (mine && row + i < p.k) ig_store_row(dw, row + i, n, kg, ig_quad(acc[i]));
		return;
	}
	long long size = (long long)p.k * kg;
	IG_UNROLL
	for (int i = 0; i < 4; i++)
		if (mine && row + i < p.k) ig_store_row(part + blockIdx.y * size, row + i, n, kg, ig_quad(acc[i]));
	__threadfence();
	__syncthreads();
	if (threadIdx.x == 0) last = atomicInc(&done[blockIdx.x], gridDim.y - 1) == gridDim.y - 1;
	__syncthreads();
	if (!last) return; // last is the block's: all its threads return or none
	// The tile's vm×vn sums spread over every thread of the block (a thread
	// adding a whole 4×4 block of them, chunk after chunk, would wait on
	// 16·chunks loads in turn): element e is added by thread e mod NT, the
	// chunks in order, four loads in flight at a time.
	const volatile float* parts = part;
	const int NT = BM * BN / 16;
	int vm = min(BM, p.k - m0), vn = min(BN, kg - n0), chunks = gridDim.y;
	for (int e = threadIdx.x; e < vm * vn; e += NT) {
		long long o = (long long)(m0 + e / vn) * kg + n0 + e % vn;
		float sum = 0.0f;
		int c = 0;
		for (; c + 4 <= chunks; c += 4) {
			float a0 = parts[c * size + o], a1 = parts[(c + 1) * size + o], a2 = parts[(c + 2) * size + o],
			      a3 = parts[(c + 3) * size + o];
			sum += a0;
			sum += a1;
			sum += a2;
			sum += a3;
		}
		for (; c < chunks; c++) sum += parts[c * size + o];
		dw[o] = sum;
	}
}

#define IG_CONV_ARGS int n, int h, int w, int c, int k, int r, int s, int sh, int sw, int top, int left, int oh, int ow
#define IG_CONV {n, h, w, c, k, r, s, sh, sw, top, left, oh, ow}
// The shared tiles are declared in each kernel (doc.go), their rows padded
// by PAD floats.
#define IG_SHARED(BM, BN, PAD)                       \
	__shared__ ig_f4 As[2][IG_BK][((BM) + (PAD)) / 4]; \
	__shared__ ig_f4 Bs[2][IG_BK][((BN) + (PAD)) / 4]

// conv_fprop_…: grid (⌈N·OH·OW/BM⌉, ⌈K/BN⌉). mode IG_STORE: out0 = y;
// IG_BIAS_ACT: out0 = z, out1 = f(z); IG_BIAS_ACT_POOL (OH, OW even): out0 =
// the pooled f(z), out1 = the argmax's window index 0…3 (row-major), out2 =
// its z, each N·OH/2·OW/2 × K.
#define IG_FPROP_ARGS                                                                                    \
	IG_CONV_ARGS, int mode, int f, float alpha, const float *x, const float *wt, const float *bias, float *out0, \
	    float *out1, float *out2
#define IG_FPROP(BM, BN, PAD, PRODUCT)                                                               \
	IG_SHARED(BM, BN, PAD);                                                                          \
	ig_conv p = IG_CONV;                                                                        \
	ig_fprop_body<BM, BN>(PRODUCT, p, mode, f, alpha, x, wt, bias, out0, out1, out2, As, Bs)

// conv_dgrad_…: grid (⌈N·H·W/BM⌉, ⌈C/BN⌉).
#define IG_DGRAD_ARGS IG_CONV_ARGS, const float *dy, const float *wt, float *dx
#define IG_DGRAD(BM, BN, PAD, PRODUCT) \
	IG_SHARED(BM, BN, PAD);            \
	ig_conv p = IG_CONV;          \
	ig_dgrad_body<BM, BN>(PRODUCT, p, dy, wt, dx, As, Bs)

// conv_wgrad_…: grid (⌈K/BM⌉·⌈R·S·C/BN⌉, chunks), chunk a multiple of BK;
// part and done as ig_wgrad_body.
#define IG_WGRAD_ARGS IG_CONV_ARGS, int chunk, const float *x, const float *dy, float *part, unsigned *done, float *dw
#define IG_WGRAD(BM, BN, PAD, PRODUCT) \
	IG_SHARED(BM, BN, PAD);            \
	__shared__ int last;          \
	ig_conv p = IG_CONV;          \
	ig_wgrad_body<BM, BN>(PRODUCT, p, chunk, x, dy, part, done, dw, As, Bs, last)
