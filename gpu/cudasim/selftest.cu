// Kernels that only the stand-in's own tests launch (gpu/cudasim/simtest,
// with PTX text written by the test): they check that a block's threads
// meet at barriers, share memory and shuffle within a warp as on a GPU, and
// that a barrier some threads never reach fails the launch. build.sh compiles
// them into the stand-in beside kernels/*.cu; they are not in any real PTX.
#include "common.cuh"

// One block: y[i] = x[n-1-i] through shared memory, so a thread reads what
// another wrote before the barrier.
KERNEL simtest_reverse(int n, const float* x, float* y) {
	__shared__ float s[1024];
	int t = threadIdx.x;
	if (t < n) s[t] = x[t];
	__syncthreads();
	if (t < n) y[t] = s[n - 1 - t];
}

// Blocks of blockDim.x × blockDim.y threads: per block, the sum of its
// values by a shared-memory tree and, per warp, by shuffles. sums[block]
// = tree sum; warps[block·warps + w] = Σ over warp w by __shfl_down_sync;
// all[i] = Σ over i's warp by __shfl_xor_sync (every lane gets it);
// bcast[i] = value of lane 3 of i's warp by __shfl_sync.
KERNEL simtest_reduce(const float* x, float* sums, float* warps, float* all, float* bcast) {
	__shared__ float s[1024];
	int threads = blockDim.x * blockDim.y;
	int t = threadIdx.y * blockDim.x + threadIdx.x;
	int block = blockIdx.y * gridDim.x + blockIdx.x;
	int i = block * threads + t;
	float v = x[i];
	s[t] = v;
	__syncthreads();
	for (int half = 1; half < threads; half *= 2) {
		float other = (t % (2 * half) == 0 && t + half < threads) ? s[t + half] : 0.0f;
		__syncthreads();
		if (t % (2 * half) == 0) s[t] += other;
		__syncthreads();
	}
	if (t == 0) sums[block] = s[0];
	float w = v;
	for (int d = 16; d > 0; d /= 2) w += __shfl_down_sync(0xffffffffu, w, d);
	if (t % 32 == 0) warps[block * (threads / 32) + t / 32] = w;
	float a = v;
	for (int d = 1; d < 32; d *= 2) a += __shfl_xor_sync(0xffffffffu, a, d);
	all[i] = a;
	bcast[i] = __shfl_sync(0xffffffffu, v, 3);
}

// The first half of the block waits at a barrier the second half never
// reaches: a GPU may hang; the stand-in fails the launch.
KERNEL simtest_divergent(float* y) {
	if (threadIdx.x < blockDim.x / 2) __syncthreads();
	y[threadIdx.x] = 1.0f;
}

// One warp runs mma_m16n8k8_tf32 (kernels/mma.cuh; its host build is the
// shuffle emulation) on A = B = x[lane]·1 in every slot, rounded to TF32 first
// or not: an operand that is not a TF32 value fails the launch. y[lane]
// = d[0].
#include "mma.cuh"
KERNEL simtest_mma_operands(int round, const float* x, float* y) {
	int lane = threadIdx.x;
	unsigned v = round ? tf32_round(x[lane]) : tf32_bits_of(x[lane]);
	unsigned a[4] = {v, v, v, v}, b[2] = {v, v};
	float c[4] = {0, 0, 0, 0}, d[4];
	mma_m16n8k8_tf32(d, a, b, c);
	y[lane] = d[0];
}
