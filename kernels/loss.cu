// Row-wise kernels: softmax, losses, accuracy, sums. One thread per row; rows
// are short (10 classes), and double accumulators keep the sums as the CPU's.
#include "common.cuh"
#include "column_sums.cuh"

// Softmax of one row, returning log Σ exp(z).
DEVICE double softmax_row(int cols, const float* z, float* p) {
	float m = z[0];
	for (int j = 1; j < cols; j++) m = fmaxf(m, z[j]);
	double s = 0.0;
	for (int j = 0; j < cols; j++) s += exp((double)(z[j] - m));
	for (int j = 0; j < cols; j++) p[j] = (float)(exp((double)(z[j] - m)) / s);
	return (double)m + log(s);
}

KERNEL softmax_forward(int rows, int cols, const float* x, float* y) {
	for (int r = first_index(); r < rows; r += grid_stride())
		softmax_row(cols, x + (long long)r * cols, y + (long long)r * cols);
}

// dx = y·(dy - Σ y·dy).
KERNEL softmax_backward(int rows, int cols, const float* y, const float* dy, float* dx) {
	for (int r = first_index(); r < rows; r += grid_stride()) {
		const float* ys = y + (long long)r * cols;
		const float* gs = dy + (long long)r * cols;
		double dot = 0.0;
		for (int j = 0; j < cols; j++) dot += (double)ys[j] * (double)gs[j];
		for (int j = 0; j < cols; j++)
			dx[(long long)r * cols + j] = (float)((double)ys[j] * ((double)gs[j] - dot));
	}
}

// Row r of softmax_cross_entropy: probs = softmax(z); returns the loss
// Σ_j t·(lse - z); dz = scale·(Σt·probs - t).
DEVICE float cross_entropy_row(int cols, float scale, const float* z, const float* t, float* probs, float* dz) {
	double lse = softmax_row(cols, z, probs);
	double l = 0.0, sum_t = 0.0;
	for (int j = 0; j < cols; j++) {
		l += (double)t[j] * (lse - (double)z[j]);
		sum_t += (double)t[j];
	}
	for (int j = 0; j < cols; j++) dz[j] = scale * (float)(sum_t * (double)probs[j] - (double)t[j]);
	return (float)l;
}

KERNEL softmax_cross_entropy(int rows, int cols, float scale, const float* z, const float* t,
                             float* probs, float* dz, float* loss) {
	for (int r = first_index(); r < rows; r += grid_stride()) {
		long long o = (long long)r * cols;
		loss[r] = cross_entropy_row(cols, scale, z + o, t + o, probs + o, dz + o);
	}
}

// Binary cross-entropy on probabilities clipped to [1e-7, 1-1e-7]. A NaN
// probability stays NaN, as in Go's math.Max (fmax would drop it and leave a
// diverged network's loss finite).
KERNEL binary_cross_entropy(int rows, int cols, float scale, const float* p, const float* t,
                            float* dp, float* loss) {
	const double eps = 1e-7;
	for (int r = first_index(); r < rows; r += grid_stride()) {
		double l = 0.0;
		for (int j = 0; j < cols; j++) {
			long long i = (long long)r * cols + j;
			double pv = p[i], tv = t[i];
			double c = pv != pv ? pv : fmin(fmax(pv, eps), 1.0 - eps);
			l -= tv * log(c) + (1.0 - tv) * log(1.0 - c);
			double g = (pv > eps && pv < 1.0 - eps) ? (pv - tv) / (pv * (1.0 - pv)) : 0.0;
			dp[i] = (float)((double)scale / (double)cols * g);
		}
		loss[r] = (float)(l / (double)cols);
	}
}

DEVICE int argmax_row(int cols, const float* v) {
	int best = 0;
	for (int j = 1; j < cols; j++)
		if (v[j] > v[best]) best = j;
	return best;
}

// correct[r] = 1 when the first maxima of p[r] and t[r] coincide.
KERNEL accuracy(int rows, int cols, const float* p, const float* t, float* correct) {
	for (int r = first_index(); r < rows; r += grid_stride()) {
		long long o = (long long)r * cols;
		correct[r] = argmax_row(cols, p + o) == argmax_row(cols, t + o) ? 1.0f : 0.0f;
	}
}

// The rows of softmax_cross_entropy and accuracy of probs that thread
// threadIdx.x of one block takes: r, r + blockDim.x, …
DEVICE void cross_entropy_accuracy_rows(int rows, int cols, float scale, const float* z, const float* t,
                                        float* probs, float* dz, float* loss, float* correct) {
	for (int r = threadIdx.x; r < rows; r += blockDim.x) {
		long long o = (long long)r * cols;
		loss[r] = cross_entropy_row(cols, scale, z + o, t + o, probs + o, dz + o);
		correct[r] = argmax_row(cols, probs + o) == argmax_row(cols, t + o) ? 1.0f : 0.0f;
	}
}

// sum_into of loss and correct into metrics[0] and [1], by thread 0 in row
// order, after the block's barrier; then the record of the first
// non-finite loss sum (engine.MetricFiniteSteps): metrics[2] counts the adds
// after which the sum is finite, metrics[3] keeps the sum the add that made
// it non-finite left. NaN fails both comparisons, so it is not finite.
DEVICE void add_metrics(int rows, const float* loss, const float* correct, float* metrics) {
	if (threadIdx.x != 0) return;
	float l = 0.0f, c = 0.0f;
	for (int r = 0; r < rows; r++) l += loss[r];
	for (int r = 0; r < rows; r++) c += correct[r];
	const float max_finite = 3.40282346638528859812e+38f;
	float before = metrics[0], after = before + l;
	metrics[0] = after;
	metrics[1] += c;
	if (fabsf(after) <= max_finite) metrics[2] += 1.0f;
	else if (fabsf(before) <= max_finite) metrics[3] = after;
}

// softmax_cross_entropy, accuracy of probs and sum_into of both, by one
// block.
KERNEL softmax_cross_entropy_metrics(int rows, int cols, float scale, const float* z, const float* t,
                                     float* probs, float* dz, float* loss, float* correct, float* metrics) {
	cross_entropy_accuracy_rows(rows, cols, scale, z, t, probs, dz, loss, correct);
	__syncthreads();
	add_metrics(rows, loss, correct, metrics);
}

// bias_add of the layer below (z[r,c] += bias[c]), then
// softmax_cross_entropy_metrics, then that bias's gradient db[c] = Σ_r
// dz[r,c] as bias_grad sums it with chunk rows per block
// (column_sum_in_order), by one block.
KERNEL bias_softmax_cross_entropy_metrics(int rows, int cols, float scale, int chunk, float* z, const float* bias,
                                          const float* t, float* probs, float* dz, float* loss, float* correct,
                                          float* metrics, float* db) {
	for (int r = threadIdx.x; r < rows; r += blockDim.x)
		for (int j = 0; j < cols; j++) z[(long long)r * cols + j] += bias[j];
	cross_entropy_accuracy_rows(rows, cols, scale, z, t, probs, dz, loss, correct);
	__syncthreads();
	for (int c = threadIdx.x; c < cols; c += blockDim.x) db[c] = column_sum_in_order(rows, cols, chunk, dz, c);
	add_metrics(rows, loss, correct, metrics);
}

// add_metrics of a loss computed by another kernel (binary_cross_entropy),
// by one thread.
KERNEL add_metrics_into(int rows, const float* loss, const float* correct, float* metrics) {
	if (blockIdx.x == 0) add_metrics(rows, loss, correct, metrics);
}

// acc[0] += Σ x over n values, by one thread in index order (n is a batch).
KERNEL sum_into(int n, const float* x, float* acc) {
	if (first_index() != 0) return;
	float s = 0.0f;
	for (int i = 0; i < n; i++) s += x[i];
	acc[0] += s;
}
