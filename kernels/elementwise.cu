// Element-wise kernels: activations, bias, dropout, products, padding.
#include "common.cuh"

// Activation codes are engine.Activation's values.
#define ACT_LINEAR 0
#define ACT_RELU 1
#define ACT_LEAKY_RELU 2
#define ACT_SIGMOID 3
#define ACT_TANH 4

// f(v).
DEVICE float activate(int f, float alpha, float v) {
	switch (f) {
	case ACT_RELU: return v > 0.0f ? v : 0.0f;
	case ACT_LEAKY_RELU: return v < 0.0f ? alpha * v : v;
	case ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
	case ACT_TANH: return tanhf(v);
	default: return v;
	}
}

// f'(x)·g given x, y = f(x) and g; ReLU's gradient is 0 at x == 0, as
// TensorFlow's.
DEVICE float activate_grad(int f, float alpha, float x, float y, float g) {
	switch (f) {
	case ACT_RELU: return x > 0.0f ? g : 0.0f;
	case ACT_LEAKY_RELU: return x > 0.0f ? g : alpha * g;
	case ACT_SIGMOID: return g * y * (1.0f - y);
	case ACT_TANH: return g * (1.0f - y * y);
	default: return g;
	}
}

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

// Column sums in one launch, the same on every run: db[c] = Σ_r v(r, c) over
// a rows×cols matrix. Grid (⌈cols/32⌉, strips), blocks of 32×8 threads.
// Block (bx, by) sums rows [by·chunk, (by+1)·chunk) of columns 32·bx + x:
// thread (x, y) adds rows y, y+8, … of the chunk in order, the 8 sums of a
// column are added in y order, and the block's sum goes to part[by, c]. The
// last block of a column strip to finish (counted in done[bx], which wraps
// back to 0 for the next launch) adds part[0..strips) in order.
// column_sums does this for the sum acc that thread (x, y) has made.
DEVICE void column_sums(int cols, float acc, float* part, unsigned* done, float* db) {
	__shared__ float sums[8][32];
	__shared__ int last;
	int x = threadIdx.x, y = threadIdx.y, c = blockIdx.x * 32 + x;
	sums[y][x] = acc;
	__syncthreads();
	if (y == 0 && c < cols) {
		float s = 0.0f;
		for (int i = 0; i < 8; i++) s += sums[i][x];
		part[(long long)blockIdx.y * cols + c] = s;
		__threadfence();
	}
	__syncthreads();
	if (x == 0 && y == 0) last = atomicInc(&done[blockIdx.x], gridDim.y - 1) == gridDim.y - 1;
	__syncthreads();
	if (!last || y != 0 || c >= cols) return;
	const volatile float* parts = part;
	float s = 0.0f;
	for (int b = 0; b < (int)gridDim.y; b++) s += parts[(long long)b * cols + c];
	db[c] = s;
}

// Bias gradient: db[c] = Σ_r dy[r,c] (grid and blocks as column_sums).
KERNEL bias_grad(int rows, int cols, int chunk, const float* dy, float* part, unsigned* done, float* db) {
	int c = blockIdx.x * 32 + threadIdx.x;
	int r1 = min(rows, (int)blockIdx.y * chunk + chunk);
	float acc = 0.0f;
	if (c < cols)
		for (int r = blockIdx.y * chunk + threadIdx.y; r < r1; r += 8) acc += dy[(long long)r * cols + c];
	column_sums(cols, acc, part, done, db);
}

// Activation backward and bias gradient in one pass: dz = f'(z)·dy given z,
// y = f(z) and dy; db[c] = Σ_r dz[r,c] (grid and blocks as column_sums).
KERNEL activation_backward_bias_grad(int f, float alpha, int rows, int cols, int chunk, const float* z,
                                     const float* y, const float* dy, float* dz, float* part, unsigned* done,
                                     float* db) {
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
	column_sums(cols, acc, part, done, db);
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
KERNEL dropout_forward(int n, float rate, u64 seed, u64 offset, const float* x, float* y,
                       float* mask) {
	float keep = 1.0f / (1.0f - rate);
	for (int i = first_index(); i < n; i += grid_stride()) {
		float m = uniform(seed, offset + (u64)i) >= rate ? keep : 0.0f;
		mask[i] = m;
		y[i] = x[i] * m;
	}
}

// dst[r,:] = src[idx[r],:]; idx holds row numbers as floats.
KERNEL gather_rows(int rows, int cols, const float* idx, const float* src, float* dst) {
	int n = rows * cols;
	for (int i = first_index(); i < n; i += grid_stride()) {
		int r = i / cols, c = i % cols;
		dst[i] = src[(long long)idx[r] * cols + c];
	}
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
