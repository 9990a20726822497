// Element-wise activations and their gradients, shared by the kernels that
// apply them (elementwise.cu) and those that fuse them (pool.cu).
#pragma once
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
