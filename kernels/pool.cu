// Max pooling on NHWC tensors with TensorFlow's padding (possibly asymmetric),
// which cuDNN's pooling descriptor cannot express; ties go to the first
// maximum in row-major window order, as on the CPU.
#include "common.cuh"
#include "activation.cuh"
#include "column_sums.cuh"

struct pool_params { int n, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow; };

// Input offset of the first maximum of window (b, oy, ox) in channel ch, or
// -1 when the window lies wholly in padding (padding never wins).
DEVICE long long pool_argmax(const pool_params& p, const float* x, int b, int oy, int ox, int ch) {
	long long arg = -1;
	float best = 0.0f;
	for (int r = 0; r < p.ph; r++) {
		int iy = oy * p.sh + r - p.pad_top;
		if (iy < 0 || iy >= p.h) continue;
		for (int s = 0; s < p.pw; s++) {
			int ix = ox * p.sw + s - p.pad_left;
			if (ix < 0 || ix >= p.w) continue;
			long long off = (((long long)b * p.h + iy) * p.w + ix) * p.c + ch;
			float v = x[off];
			if (arg < 0 || v > best) { best = v; arg = off; }
		}
	}
	return arg;
}

KERNEL maxpool_forward(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                       int pad_top, int pad_left, int oh, int ow, const float* x, float* y) {
	pool_params p = {n, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow};
	int total = n * oh * ow * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int ox = rest % ow; rest /= ow;
		int oy = rest % oh;
		int b = rest / oh;
		long long a = pool_argmax(p, x, b, oy, ox, ch);
		y[i] = a >= 0 ? x[a] : 0.0f;
	}
}

// The gradient of input element i: dy summed over the windows whose first
// maximum it is (the gather form, so no two threads write one element).
DEVICE float pool_input_grad(const pool_params& p, const float* x, const float* dy, long long i) {
	int ch = i % p.c;
	long long rest = i / p.c;
	int ix = rest % p.w; rest /= p.w;
	int iy = rest % p.h;
	int b = rest / p.h;
	// Windows oy with oy*sh - pad_top <= iy < oy*sh - pad_top + ph.
	int y0 = iy + p.pad_top - p.ph + 1;
	int oy0 = y0 <= 0 ? 0 : (y0 + p.sh - 1) / p.sh;
	int oy1 = min(p.oh - 1, (iy + p.pad_top) / p.sh);
	int x0 = ix + p.pad_left - p.pw + 1;
	int ox0 = x0 <= 0 ? 0 : (x0 + p.sw - 1) / p.sw;
	int ox1 = min(p.ow - 1, (ix + p.pad_left) / p.sw);
	float g = 0.0f;
	for (int oy = oy0; oy <= oy1; oy++)
		for (int ox = ox0; ox <= ox1; ox++)
			if (pool_argmax(p, x, b, oy, ox, ch) == i)
				g += dy[(((long long)b * p.oh + oy) * p.ow + ox) * p.c + ch];
	return g;
}

KERNEL maxpool_backward(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                        int pad_top, int pad_left, int oh, int ow, const float* x,
                        const float* dy, float* dx) {
	pool_params p = {n, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow};
	int total = n * h * w * c;
	for (int i = first_index(); i < total; i += grid_stride()) dx[i] = pool_input_grad(p, x, dy, i);
}

// maxpool_backward, then the activation gradient and bias gradient of the
// layer below the pool, in one pass: the pool's input x = f(z) is
// n·h·w rows of c; g = maxpool_backward's dx (not stored); dz = f'(z)·g;
// db[ch] = Σ_r dz[r,ch] (grid and blocks as column_sums).
KERNEL maxpool_activation_backward_bias_grad(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                                             int pad_top, int pad_left, int oh, int ow, int f, float alpha,
                                             int chunk, const float* z, const float* x, const float* dy,
                                             float* dz, float* part, unsigned* done, float* db) {
	COLUMN_SUMS_SHARED;
	pool_params p = {n, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow};
	int ch = blockIdx.x * 32 + threadIdx.x;
	int r1 = min(n * h * w, (int)blockIdx.y * chunk + chunk);
	float acc = 0.0f;
	if (ch < c)
		for (int r = blockIdx.y * chunk + threadIdx.y; r < r1; r += 8) {
			long long i = (long long)r * c + ch;
			float g = activate_grad(f, alpha, z[i], x[i], pool_input_grad(p, x, dy, i));
			dz[i] = g;
			acc += g;
		}
	column_sums(c, acc, part, done, db, sums, last);
}

// The conv's bias, activation and max pool in one pass over the conv's
// output z0 (before its bias), for ConvPoolFuser: per pooled value i, with
// z = z0 + bias[ch] and the pool's input f(z) computed as
// bias_activation_forward does (never stored), py[i] = the window's first
// maximum of f(z) (as maxpool_forward), arg[i] = its window-local index
// r·pw + s (-1 when the window lies wholly in padding) and pz[i] = z there
// (0 then).
KERNEL bias_activation_maxpool_forward(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                                       int pad_top, int pad_left, int oh, int ow, int f, float alpha,
                                       const float* z0, const float* bias, float* py, float* arg, float* pz) {
	int total = n * oh * ow * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int ox = rest % ow; rest /= ow;
		int oy = rest % oh;
		int b = rest / oh;
		int at = -1;
		float best = 0.0f, bestz = 0.0f;
		for (int r = 0; r < ph; r++) {
			int iy = oy * sh + r - pad_top;
			if (iy < 0 || iy >= h) continue;
			for (int s = 0; s < pw; s++) {
				int ix = ox * sw + s - pad_left;
				if (ix < 0 || ix >= w) continue;
				float v = z0[(((long long)b * h + iy) * w + ix) * c + ch] + bias[ch];
				float y = activate(f, alpha, v);
				if (at < 0 || y > best) { best = y; bestz = v; at = r * pw + s; }
			}
		}
		py[i] = best;
		arg[i] = (float)at;
		pz[i] = bestz;
	}
}

// maxpool_activation_backward_bias_grad from the forward pass's argmax
// (bias_activation_maxpool_forward's arg, pz, py) instead of each window
// again: input element j's gradient g is dy summed over the windows whose
// arg is j's place in them, in row-major window order from +0; dz[j] =
// f'(z)·g with z and f(z) of such a window, +0 where none points at j;
// db[ch] = Σ_r dz[r,ch] (grid and blocks as column_sums, chunk as the
// unfused kernel's, so db is its sum in its order).
KERNEL maxpool_argmax_activation_backward_bias_grad(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                                                    int pad_top, int pad_left, int oh, int ow, int f, float alpha,
                                                    int chunk, const float* arg, const float* pz, const float* py,
                                                    const float* dy, float* dz, float* part, unsigned* done,
                                                    float* db) {
	COLUMN_SUMS_SHARED;
	int ch = blockIdx.x * 32 + threadIdx.x;
	int r1 = min(n * h * w, (int)blockIdx.y * chunk + chunk);
	float acc = 0.0f;
	if (ch < c)
		for (int r = blockIdx.y * chunk + threadIdx.y; r < r1; r += 8) {
			int ix = r % w, rest = r / w;
			int iy = rest % h;
			int b = rest / h;
			// Windows oy with oy*sh - pad_top <= iy < oy*sh - pad_top + ph.
			int y0 = iy + pad_top - ph + 1;
			int oy0 = y0 <= 0 ? 0 : (y0 + sh - 1) / sh;
			int oy1 = min(oh - 1, (iy + pad_top) / sh);
			int x0 = ix + pad_left - pw + 1;
			int ox0 = x0 <= 0 ? 0 : (x0 + sw - 1) / sw;
			int ox1 = min(ow - 1, (ix + pad_left) / sw);
			float g = 0.0f, zj = 0.0f, yj = 0.0f;
			bool hit = false;
			for (int oy = oy0; oy <= oy1; oy++)
				for (int ox = ox0; ox <= ox1; ox++) {
					long long o = (((long long)b * oh + oy) * ow + ox) * c + ch;
					int local = (iy - (oy * sh - pad_top)) * pw + ix - (ox * sw - pad_left);
					if (arg[o] == (float)local) {
						g += dy[o];
						zj = pz[o];
						yj = py[o];
						hit = true;
					}
				}
			float d = hit ? activate_grad(f, alpha, zj, yj, g) : 0.0f;
			dz[(long long)r * c + ch] = d;
			acc += d;
		}
	column_sums(c, acc, part, done, db, sums, last);
}
