// Optimizer updates in Keras's forms (see engine.Backend for the formulas).
#include "common.cuh"

// Optimizer state that decays (Adam's moments, momentum's velocity,
// RMSprop's mean square) is stored as zero once its magnitude is below the
// smallest normal float, as the CPU backend does (cpu/optim.go, flushState):
// both devices keep the same state. NaN is kept.
DEVICE float flush_state(float x) { return fabsf(x) < 1.17549435e-38f ? 0.0f : x; }

// One element of each update, shared by the kernel that takes the rate as
// an argument and the one that reads it from a step clock, so that both
// compile to the same arithmetic.
DEVICE void sgd_update(int i, float lr, float momentum, int nesterov, float* w, const float* g, float* v) {
	if (momentum == 0.0f) {
		w[i] -= lr * g[i];
		return;
	}
	float vi = flush_state(momentum * v[i] - lr * g[i]);
	v[i] = vi;
	w[i] += nesterov ? momentum * vi - lr * g[i] : vi;
}

DEVICE void adam_update(int i, float lr_t, float beta1, float beta2, float eps, float* w, const float* g, float* m,
                        float* v) {
	float gi = g[i];
	float mi = flush_state(beta1 * m[i] + (1.0f - beta1) * gi);
	float vi = flush_state(beta2 * v[i] + (1.0f - beta2) * gi * gi);
	m[i] = mi;
	v[i] = vi;
	w[i] -= lr_t * mi / (sqrtf(vi) + eps);
}

KERNEL sgd_step(int n, float lr, float momentum, int nesterov, float* w, const float* g, float* v) {
	for (int i = first_index(); i < n; i += grid_stride()) sgd_update(i, lr, momentum, nesterov, w, g, v);
}

KERNEL adam_step(int n, float lr_t, float beta1, float beta2, float eps, float* w, const float* g,
                 float* m, float* v) {
	for (int i = first_index(); i < n; i += grid_stride()) adam_update(i, lr_t, beta1, beta2, eps, w, g, m, v);
}

// x^t for an integer t ≥ 1 as Go's math.Pow computes it, operation for
// operation (repeated squaring of frexp's mantissa, the exponent kept apart,
// ldexp at the end), so that lrT is engine.AdamLRT's to the bit. The
// products and sums are the _rn intrinsics, which ptxas never contracts
// into an FMA (a plain mul.f64 followed by add.f64 it may).
DEVICE double go_pow_int(double x, long long t) {
	if (x == 1.0) return 1.0;
	double a1 = 1.0;
	int ae = 0, xe;
	double x1 = frexp(x, &xe);
	for (long long i = t; i != 0; i >>= 1) {
		if (xe < -(1 << 12) || (1 << 12) < xe) {
			ae += xe; // the result under- or overflows
			break;
		}
		if (i & 1) {
			a1 = __dmul_rn(a1, x1);
			ae += xe;
		}
		x1 = __dmul_rn(x1, x1);
		xe <<= 1;
		if (x1 < 0.5) {
			x1 = __dadd_rn(x1, x1);
			xe--;
		}
	}
	return ldexp(a1, ae);
}

// engine.AdamLRT: lr·√(1-β2ᵗ)/(1-β1ᵗ), βᵗ rounded to float, the root taken
// in double.
DEVICE float adam_lr_t(float lr, float beta1, float beta2, long long t) {
	float b1p = (float)go_pow_int((double)beta1, t);
	float b2p = (float)go_pow_int((double)beta2, t);
	float root = (float)sqrt((double)__fsub_rn(1.0f, b2p));
	return __fmul_rn(lr, __fdiv_rn(root, __fsub_rn(1.0f, b1p)));
}

// advance_clock ends a kernel that read clock[CLOCK_STEP]: the last block of
// the grid to finish (counted in the clock's CLOCK_DONE, which wraps back to
// 0 for the next launch) writes step, after every block has read the old
// value. The caller declares `__shared__ int last` (see COLUMN_SUMS_SHARED
// for why).
DEVICE void advance_clock(float* clock, float step, int& last) {
	__syncthreads();
	if (threadIdx.x == 0) {
		__threadfence();
		last = atomicInc((unsigned*)&clock[CLOCK_DONE], gridDim.x - 1) == gridDim.x - 1;
	}
	__syncthreads();
	if (last && threadIdx.x == 0) clock[CLOCK_STEP] = step;
}

// sgd_step with lr = clock[CLOCK_LR]; then clock[CLOCK_STEP] += 1.
KERNEL sgd_step_at(int n, float momentum, int nesterov, float* clock, float* w, const float* g, float* v) {
	__shared__ int last;
	float step = clock[CLOCK_STEP], lr = clock[CLOCK_LR];
	for (int i = first_index(); i < n; i += grid_stride()) sgd_update(i, lr, momentum, nesterov, w, g, v);
	advance_clock(clock, step + 1.0f, last);
}

// adam_step at t = clock[CLOCK_STEP] + 1 with lr_t from clock[CLOCK_LR];
// then clock[CLOCK_STEP] = t.
KERNEL adam_step_at(int n, float beta1, float beta2, float eps, float* clock, float* w, const float* g, float* m,
                    float* v) {
	__shared__ int last;
	float step = clock[CLOCK_STEP];
	float lr_t = adam_lr_t(clock[CLOCK_LR], beta1, beta2, (long long)step + 1);
	for (int i = first_index(); i < n; i += grid_stride()) adam_update(i, lr_t, beta1, beta2, eps, w, g, m, v);
	advance_clock(clock, step + 1.0f, last);
}

KERNEL rmsprop_step(int n, float lr, float rho, float eps, float* w, const float* g, float* ms) {
	for (int i = first_index(); i < n; i += grid_stride()) {
		float gi = g[i];
		float mi = flush_state(rho * ms[i] + (1.0f - rho) * (gi * gi));
		ms[i] = mi;
		w[i] -= lr * gi / (sqrtf(mi) + eps);
	}
}

KERNEL adagrad_step(int n, float lr, float eps, float* w, const float* g, float* acc) {
	for (int i = first_index(); i < n; i += grid_stride()) {
		float gi = g[i];
		float a = acc[i] + gi * gi;
		acc[i] = a;
		w[i] -= lr * gi / (sqrtf(a) + eps);
	}
}

KERNEL weight_decay(int n, float rate, float* w) {
	for (int i = first_index(); i < n; i += grid_stride()) w[i] -= w[i] * rate;
}
