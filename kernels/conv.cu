// Convolutions as GEMMs, the backend's own path beside cuDNN (gpu/conv.go):
// im2col lays out the matrix whose product with the filters is the
// convolution, col2im folds a product back onto the input. NHWC tensors,
// KRSC filters, TensorFlow's padding: top and left are given, bottom and
// right follow from the sizes, and a tap outside the image reads zero, so no
// padded copy of the input is needed.
#include "common.cuh"

// cols is (n·oh·ow) × (r·s·c), row-major: cols[(b,oy,ox), (ky,kx,ch)] =
// x[b, oy·sh − top + ky, ox·sw − left + kx, ch], 0 outside the image.
KERNEL im2col_nhwc(int n, int h, int w, int c, int r, int s, int sh, int sw, int top, int left, int oh, int ow,
                   const float* x, float* cols) {
	int total = n * oh * ow * r * s * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int kx = rest % s; rest /= s;
		int ky = rest % r; rest /= r;
		int ox = rest % ow; rest /= ow;
		int oy = rest % oh;
		int b = rest / oh;
		int iy = oy * sh - top + ky, ix = ox * sw - left + kx;
		cols[i] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(((long long)b * h + iy) * w + ix) * c + ch] : 0.0f;
	}
}

// The transpose of im2col, gathered: dx[b,iy,ix,ch] = Σ dcols[(b,oy,ox),
// (ky,kx,ch)] over the taps (ky, then kx, in that order) whose window at
// output pixel (oy,ox) reads input pixel (iy,ix). One thread per dx element,
// no atomics: the order of the sum is fixed by the sizes.
KERNEL col2im_nhwc(int n, int h, int w, int c, int r, int s, int sh, int sw, int top, int left, int oh, int ow,
                   const float* dcols, float* dx) {
	int total = n * h * w * c, rsc = r * s * c;
	for (int i = first_index(); i < total; i += grid_stride()) {
		int ch = i % c, rest = i / c;
		int ix = rest % w; rest /= w;
		int iy = rest % h;
		int b = rest / h;
		float acc = 0.0f;
		for (int ky = 0; ky < r; ky++) {
			int ty = iy + top - ky;
			if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
			for (int kx = 0; kx < s; kx++) {
				int tx = ix + left - kx;
				if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
				acc += dcols[(((long long)b * oh + ty / sh) * ow + tx / sw) * rsc + (ky * s + kx) * c + ch];
			}
		}
		dx[i] = acc;
	}
}
