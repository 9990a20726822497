// Optimizer updates in Keras's forms (see engine.Backend for the formulas).
#include "common.cuh"

KERNEL sgd_step(int n, float lr, float momentum, int nesterov, float* w, const float* g, float* v) {
	for (int i = first_index(); i < n; i += grid_stride()) {
		if (momentum == 0.0f) {
			w[i] -= lr * g[i];
			continue;
		}
		float vi = momentum * v[i] - lr * g[i];
		v[i] = vi;
		w[i] += nesterov ? momentum * vi - lr * g[i] : vi;
	}
}

KERNEL adam_step(int n, float lr_t, float beta1, float beta2, float eps, float* w, const float* g,
                 float* m, float* v) {
	for (int i = first_index(); i < n; i += grid_stride()) {
		float gi = g[i];
		float mi = beta1 * m[i] + (1.0f - beta1) * gi;
		float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		w[i] -= lr_t * mi / (sqrtf(vi) + eps);
	}
}

KERNEL rmsprop_step(int n, float lr, float rho, float eps, float* w, const float* g, float* ms) {
	for (int i = first_index(); i < n; i += grid_stride()) {
		float gi = g[i];
		float mi = rho * ms[i] + (1.0f - rho) * (gi * gi);
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
