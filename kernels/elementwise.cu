// Element-wise kernels: activations, bias, dropout, products, padding.
#include "common.cuh"
#include "activation.cuh"
#include "column_sums.cuh"

// y = f(x) over n values.
KERNEL activation_forward(int f, float alpha, int n, const float* x, float* y) {
	for (int i = first_index(); i < n; i += grid_stride()) y[i] = activate(f, alpha, x[i]);
}

// dx = f'(x)·dy.
KERNEL activation_backward(int f, float alpha, int n, const float* x, const float* y,
                           const float* dy, float* dx) {
	for (int i = first_index(); i < n; i += grid_stride()) dx[i] = activate_grad(f, alpha, x[i], y[i], dy[i]);
}

// z[r,c] += bias[c]; y = f(z) for a rows×cols matrix.
KERNEL bias_activation_forward(int f, float alpha, int rows, int cols, float* z, const float* bias, float* y) {
	int n = rows * cols;
	for (int i = first_index(); i < n; i += grid_stride()) {
		float v = z[i] + bias[i % cols];
		z[i] = v;
		y[i] = activate(f, alpha, v);
	}
}

// y[r,c] += bias[c] for a rows×cols matrix.
KERNEL bias_add(int rows, int cols, float* y, const float* bias) {
	int n = rows * cols;
	for (int i = first_index(); i < n; i += grid_stride()) y[i] += bias[i % cols];
}

// Bias gradient: db[c] = Σ_r dy[r,c] (grid and blocks as column_sums).
KERNEL bias_grad(int rows, int cols, int chunk, const float* dy, float* part, unsigned* done, float* db) {
	COLUMN_SUMS_SHARED;
	int c = blockIdx.x * 32 + threadIdx.x;
	int r1 = min(rows, (int)blockIdx.y * chunk + chunk);
	float acc = 0.0f;
	if (c < cols)
		for (int r = blockIdx.y * chunk + threadIdx.y; r < r1; r += 8) acc += dy[(long long)r * cols + c];
	column_sums(cols, acc, part, done, db, sums, last);
}

// Activation backward and bias gradient in one pass: dz = f'(z)·dy given z,
// y = f(z) and dy; db[c] = Σ_r dz[r,c] (grid and blocks as column_sums).
KERNEL activation_backward_bias_grad(int f, float alpha, int rows, int cols, int chunk, const float* z,
                                     const float* y, const float* dy, float* dz, float* part, unsigned* done,
                                     float* db) {
	COLUMN_SUMS_SHARED;
	int c = blockIdx.x * 32 + threadIdx.x;
	int r1 = min(rows, (int)blockIdx.y * chunk + chunk);
	float acc = 0.0f;
	if (c < cols)
		for (int r = blockIdx.y * chunk + threadIdx.y; r < r1; r += 8) {
			long long i = (long long)r * cols + c;
			float g = activate_grad(f, alpha, z[i], y[i], dy[i]);
			dz[i] = g;
			acc += g;
		}
	column_sums(cols, acc, part, done, db, sums, last);
}

// engine.Mix64: SplitMix64's finaliser.
DEVICE u64 mix64(u64 x) {
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

// engine.Uniform, bit for bit: the top 24 bits as a float in [0, 1).
DEVICE float uniform(u64 seed, u64 counter) {
	return (float)(mix64(seed ^ mix64(counter)) >> 40) * (1.0f / 16777216.0f);
}

// mask[i] = 1/(1-rate) if Uniform(seed, offset+i) >= rate else 0; y = x·mask.
DEVICE void dropout(int n, float rate, u64 seed, u64 offset, const float* x, float* y, float* mask) {
	float keep = 1.0f / (1.0f - rate);
	for (int i = first_index(); i < n; i += grid_stride()) {
		float m = uniform(seed, offset + (u64)i) >= rate ? keep : 0.0f;
		mask[i] = m;
		y[i] = x[i] * m;
	}
}

KERNEL dropout_forward(int n, float rate, u64 seed, u64 offset, const float* x, float* y,
                       float* mask) {
	dropout(n, rate, seed, offset, x, y, mask);
}

// dropout_forward with offset = clock[CLOCK_STEP]·stride.
KERNEL dropout_forward_at(int n, float rate, u64 seed, u64 stride, const float* clock, const float* x, float* y,
                          float* mask) {
	dropout(n, rate, seed, (u64)clock[CLOCK_STEP] * stride, x, y, mask);
}

// dst[r,:] = src[idx[r],:]; idx holds row numbers as floats.
KERNEL gather_rows(int rows, int cols, const float* idx, const float* src, float* dst) {
	int n = rows * cols;
	for (int i = first_index(); i < n; i += grid_stride()) {
		int r = i / cols, c = i % cols;
		dst[i] = src[(long long)idx[r] * cols + c];
	}
}

// gather_rows of inputs and targets at once: xdst[r,:] = x[idx[r],:] over
// rows of xcols, tdst[r,:] = t[idx[r],:] over rows of tcols.
DEVICE void gather(int rows, int xcols, int tcols, const float* idx, const float* x, float* xdst, const float* t,
                   float* tdst) {
	int nx = rows * xcols, n = nx + rows * tcols;
	for (int i = first_index(); i < n; i += grid_stride()) {
		if (i < nx) {
			int r = i / xcols, c = i % xcols;
			xdst[i] = x[(long long)idx[r] * xcols + c];
		} else {
			int j = i - nx, r = j / tcols, c = j % tcols;
			tdst[j] = t[(long long)idx[r] * tcols + c];
		}
	}
}

KERNEL gather_batch(int rows, int xcols, int tcols, const float* idx, const float* x, float* xdst,
                    const float* t, float* tdst) {
	gather(rows, xcols, tcols, idx, x, xdst, t, tdst);
}

// gather_batch of a pass's next batch: idx = order + (clock[CLOCK_STEP] -
// clock[CLOCK_PASS_START])·batch.
KERNEL gather_batch_at(int rows, int batch, int xcols, int tcols, const float* clock, const float* order,
                       const float* x, float* xdst, const float* t, float* tdst) {
	long long first = (long long)((int)clock[CLOCK_STEP] - (int)clock[CLOCK_PASS_START]) * batch;
	gather(rows, xcols, tcols, order + first, x, xdst, t, tdst);
}

// z = x·y.
KERNEL mul(int n, const float* x, const float* y, float* z) {
	for (int i = first_index(); i < n; i += grid_stride()) z[i] = x[i] * y[i];
}

// Zero padding of an NHWC tensor: dst (n, h+top+bottom, w+left+right, c) gets
// src (n, h, w, c) at offset (top, left). Used where TensorFlow's "same"
// padding is asymmetric, which cuDNN's descriptors cannot express.
KERNEL pad_nhwc(int n, int h, int w, int c, int top, int left, int ph, int pw,
                const float* src, float* dst) {
	int total = n * ph * pw * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int x = rest % pw; rest /= pw;
		int y = rest % ph;
		int b = rest / ph;
		int sy = y - top, sx = x - left;
		dst[i] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
		             ? src[(((long long)b * h + sy) * w + sx) * c + ch] : 0.0f;
	}
}

// The inverse window: dst (n, h, w, c) = src (n, ph, pw, c) at (top, left).
KERNEL crop_nhwc(int n, int h, int w, int c, int top, int left, int ph, int pw,
                 const float* src, float* dst) {
	int total = n * h * w * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int x = rest % w; rest /= w;
		int y = rest % h;
		int b = rest / h;
		dst[i] = src[(((long long)b * ph + y + top) * pw + x + left) * c + ch];
	}
}
