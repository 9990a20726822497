// Max pooling on NHWC tensors with TensorFlow's padding (possibly asymmetric),
// which cuDNN's pooling descriptor cannot express; ties go to the first
// maximum in row-major window order, as on the CPU.
#include "common.cuh"

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

// Gather form of the backward pass: each input element sums dy over the
// windows whose first maximum it is, so no two threads write one dx.
KERNEL maxpool_backward(int n, int h, int w, int c, int ph, int pw, int sh, int sw,
                        int pad_top, int pad_left, int oh, int ow, const float* x,
                        const float* dy, float* dx) {
	pool_params p = {n, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow};
	int total = n * h * w * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int ix = rest % w; rest /= w;
		int iy = rest % h;
		int b = rest / h;
		// Windows oy with oy*sh - pad_top <= iy < oy*sh - pad_top + ph.
		int y0 = iy + pad_top - ph + 1;
		int oy0 = y0 <= 0 ? 0 : (y0 + sh - 1) / sh;
		int oy1 = min(oh - 1, (iy + pad_top) / sh);
		int x0 = ix + pad_left - pw + 1;
		int ox0 = x0 <= 0 ? 0 : (x0 + sw - 1) / sw;
		int ox1 = min(ow - 1, (ix + pad_left) / sw);
		float g = 0.0f;
		for (int oy = oy0; oy <= oy1; oy++)
			for (int ox = ox0; ox <= ox1; ox++)
				if (pool_argmax(p, x, b, oy, ox, ch) == i)
					g += dy[(((long long)b * oh + oy) * ow + ox) * c + ch];
		dx[i] = g;
	}
}
