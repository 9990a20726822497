// The deterministic one-launch column sum that bias gradients use
// (elementwise.cu, pool.cu).
#pragma once
#include "common.cuh"

// Column sums in one launch, the same on every run: db[c] = Σ_r v(r, c) over
// a rows×cols matrix. Grid (⌈cols/32⌉, strips), blocks of 32×8 threads.
// Block (bx, by) sums rows [by·chunk, (by+1)·chunk) of columns 32·bx + x:
// thread (x, y) adds rows y, y+8, … of the chunk in order, the 8 sums of a
// column are added in y order, and the block's sum goes to part[by, c]. The
// last block of a column strip to finish (counted in done[bx], which wraps
// back to 0 for the next launch) adds the strips' sums the same way: thread
// (x, y) adds part[y], part[y+8], … in order, then the 8 in y order (one
// thread adding every strip in turn waited on each load: on an H200 the
// pooling layers' fused backward kernel took 67 µs, most of the CNN step).
// column_sums does this for the sum acc that thread (x, y) has made. The
// caller declares the shared memory (COLUMN_SUMS_SHARED): a __shared__
// variable of a static function gets a name that nvcc derives from the
// source file's path, which would make the committed PTX depend on where the
// repository is checked out.
#define COLUMN_SUMS_SHARED      \
	__shared__ float sums[8][32]; \
	__shared__ int last
DEVICE void column_sums(int cols, float acc, float* part, unsigned* done, float* db, float (*sums)[32],
                        int& last) {
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
	if (!last) return; // last is the block's: all its threads return or none
	const volatile float* parts = part;
	float s = 0.0f;
	if (c < cols)
		for (int b = y; b < (int)gridDim.y; b += 8) s += parts[(long long)b * cols + c];
	sums[y][x] = s;
	__syncthreads();
	if (y == 0 && c < cols) {
		float t = 0.0f;
		for (int i = 0; i < 8; i++) t += sums[i][x];
		db[c] = t;
	}
}

// column_sum_in_order is the sum column_sums makes for column c of the
// rows×cols matrix v (blocks of chunk rows), added by one thread in the
// same order: a kernel that has the whole matrix in one block takes a bias
// gradient this way, bit for bit the one bias_grad gives.
DEVICE float column_sum_in_order(int rows, int cols, int chunk, const float* v, int c) {
	float strip_sums[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
	for (int b = 0; b * chunk < rows; b++) {
		int r1 = min(rows, b * chunk + chunk);
		float part = 0.0f;
		for (int y = 0; y < 8; y++) {
			float acc = 0.0f;
			for (int r = b * chunk + y; r < r1; r += 8) acc += v[(long long)r * cols + c];
			part += acc;
		}
		strip_sums[b % 8] += part;
	}
	float t = 0.0f;
	for (int y = 0; y < 8; y++) t += strip_sums[y];
	return t;
}
