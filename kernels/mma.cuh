// TensorFloat-32 tensor-core maths for mnistgpu's kernels: the rounding of
// an fp32 value to TF32 and the warp-collective m16n8k8 multiply-accumulate,
// as PTX's cvt.rna.tf32.f32 and mma.sync.aligned.m16n8k8.row.col.f32.tf32.
// tf32.f32 define them (PTX ISA, sections "cvt" and "Matrix Fragments for
// mma.m16n8k8"). Include this file from any .cu; it needs nothing else.
//
// On __CUDA_ARCH__ >= 800 both are the PTX instructions. Elsewhere (sm_70,
// and the CPU stand-in, which compiles kernels as host C++) they are
// emulations that follow the rules of doc.go: the rounding is bit
// arithmetic, and the multiply-accumulate gathers each lane's operands with
// __shfl_sync and sums in float32 in a fixed order (below). A kernel that
// calls mma_m16n8k8_tf32 must be compiled for compute_80 to get the tensor
// cores (kernels/tf32.cu is; see its header for how such a module loads).
//
// TF32: sign, the 8-bit exponent of fp32 and 10 explicit mantissa bits,
// held in a 32-bit register as the fp32 value whose 13 low bits are zero.
#pragma once
#include "common.cuh"

#ifdef MNISTGPU_HOST
#include <string.h>
#endif

#define TF32_FULL_MASK 0xffffffffu
// The 19 bits a TF32 value keeps of an fp32 one.
#define TF32_KEEP 0xffffe000u

DEVICE unsigned tf32_bits_of(float x) {
#ifdef MNISTGPU_HOST
	unsigned u;
	memcpy(&u, &x, sizeof u);
	return u;
#else
	return __float_as_uint(x);
#endif
}

DEVICE float tf32_float_of(unsigned u) {
#ifdef MNISTGPU_HOST
	float x;
	memcpy(&x, &u, sizeof x);
	return x;
#else
	return __uint_as_float(u);
#endif
}

// fp32 sum and product, each rounded to nearest even and never contracted
// into an FMA, so that every build rounds each step alike.
DEVICE float tf32_fadd(float a, float b) {
#ifdef MNISTGPU_HOST
	return a + b;
#else
	return __fadd_rn(a, b);
#endif
}

DEVICE float tf32_fmul(float a, float b) {
#ifdef MNISTGPU_HOST
	return a * b;
#else
	return __fmul_rn(a, b);
#endif
}

// tf32_round_emulated is cvt.rna.tf32.f32 by bit arithmetic: round to
// nearest with ties away from zero to 10 explicit mantissa bits (.rna),
// subnormals included (PTX supports them without .ftz): adding half a TF32
// ulp (bit 12) to the magnitude carries into the kept bits exactly when the
// dropped part is at least half, and a carry out of the mantissa steps the
// exponent, so the largest values round to infinity as round-to-nearest
// does. Infinities stay. PTX fixes NaN in, NaN out only with .satfinite;
// here a NaN stays a NaN of the same sign and high payload, made quiet, so
// no NaN turns into an infinity when its payload lay in the dropped bits.
DEVICE unsigned tf32_round_emulated(float x) {
	unsigned u = tf32_bits_of(x);
	if ((u & 0x7f800000u) == 0x7f800000u) {
		if (u & 0x007fffffu) return (u & TF32_KEEP) | 0x00400000u;
		return u;
	}
	return (u + 0x1000u) & TF32_KEEP;
}

// tf32_round returns x rounded to TF32 (as fp32 bits with the 13 low bits
// zero): the operand form mma_m16n8k8_tf32 takes.
DEVICE unsigned tf32_round(float x) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
	unsigned r;
	asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
	return r;
#else
	return tf32_round_emulated(x);
#endif
}

// The calling thread's lane in its warp (warps are consecutive runs of 32
// threads in x-fastest order, as on a GPU and in the stand-in).
DEVICE int tf32_lane() {
	return ((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x) & 31;
}

// Fragments of D = A·B + C, A 16×8 (row-major), B 8×8 (column-major), C and
// D 16×8, with g = lane / 4 and t = lane % 4 (PTX ISA, "Matrix Fragments for
// mma.m16n8k8", the .tf32 layouts of A and B and the .f32 one of C/D):
//
//	a[0] = A[g][t]    a[1] = A[g+8][t]    a[2] = A[g][t+4]    a[3] = A[g+8][t+4]
//	b[0] = B[t][g]    b[1] = B[t+4][g]
//	c[0] = C[g][2t]   c[1] = C[g][2t+1]   c[2] = C[g+8][2t]   c[3] = C[g+8][2t+1]
//
// and d as c. a and b are TF32 values (tf32_round); every lane of the warp
// must call it together (mma.sync.aligned), with the warp converged.
//
// mma_m16n8k8_tf32_emulated computes each element as
//	acc = C[i][j]; for kk = 0..7: acc = acc + A[i][kk]·B[kk][j]
// in fp32, each product and sum rounded to nearest even. A product of two
// TF32 values (11-bit significands) is exact in fp32 unless it underflows
// or overflows, so the sums alone round. The hardware's internal order and
// precision are not specified: its results agree with this within the
// rounding of the sums, not bit for bit. Gathering a lane's two rows of A
// and two columns of B takes 16 shuffles of packed pairs (on the stand-in one
// exchange that gives the same values).
DEVICE void mma_m16n8k8_tf32_emulated(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) {
	int lane = tf32_lane(), g = lane >> 2, t = lane & 3;
#ifdef MNISTGPU_HOST
	if (((a[0] | a[1] | a[2] | a[3] | b[0] | b[1]) & ~TF32_KEEP) != 0)
		sim_kernel_error("mma_m16n8k8_tf32: an operand is not a TF32 value (round it with tf32_round)");
#endif
	// Lane 4r+s holds A[r][s], A[r][s+4] (low and high word of rowLo), the
	// same of row r+8 (rowHi), and B[s][r], B[s+4][r] (col).
	u64 rowLo = (u64)(a[2] & TF32_KEEP) << 32 | (a[0] & TF32_KEEP);
	u64 rowHi = (u64)(a[3] & TF32_KEEP) << 32 | (a[1] & TF32_KEEP);
	u64 col = (u64)(b[1] & TF32_KEEP) << 32 | (b[0] & TF32_KEEP);
	float A0[8], A1[8], B0[8], B1[8]; // rows g, g+8 of A; columns 2t, 2t+1 of B
#ifdef MNISTGPU_HOST
	// The stand-in gathers the same values in one exchange instead of 16
	// shuffles (gpu/cudasim/cuda_host.h): each shuffle is a warp barrier there.
	const u64 mine[3] = {rowLo, rowHi, col};
	const sim_lane_values* warp = sim_warp_publish(TF32_FULL_MASK, mine, 3);
	for (int s = 0; s < 4; s++) {
		u64 r0 = warp[4 * g + s][0], r1 = warp[4 * g + s][1];
		u64 c0 = warp[4 * (2 * t) + s][2], c1 = warp[4 * (2 * t + 1) + s][2];
#else
	for (int s = 0; s < 4; s++) {
		u64 r0 = __shfl_sync(TF32_FULL_MASK, rowLo, 4 * g + s);
		u64 r1 = __shfl_sync(TF32_FULL_MASK, rowHi, 4 * g + s);
		u64 c0 = __shfl_sync(TF32_FULL_MASK, col, 4 * (2 * t) + s);
		u64 c1 = __shfl_sync(TF32_FULL_MASK, col, 4 * (2 * t + 1) + s);
#endif
		A0[s] = tf32_float_of((unsigned)r0), A0[s + 4] = tf32_float_of((unsigned)(r0 >> 32));
		A1[s] = tf32_float_of((unsigned)r1), A1[s + 4] = tf32_float_of((unsigned)(r1 >> 32));
		B0[s] = tf32_float_of((unsigned)c0), B0[s + 4] = tf32_float_of((unsigned)(c0 >> 32));
		B1[s] = tf32_float_of((unsigned)c1), B1[s + 4] = tf32_float_of((unsigned)(c1 >> 32));
	}
#ifdef MNISTGPU_HOST
	sim_warp_done(TF32_FULL_MASK);
#endif
	float acc[4] = {c[0], c[1], c[2], c[3]};
	for (int kk = 0; kk < 8; kk++) {
		acc[0] = tf32_fadd(acc[0], tf32_fmul(A0[kk], B0[kk]));
		acc[1] = tf32_fadd(acc[1], tf32_fmul(A0[kk], B1[kk]));
		acc[2] = tf32_fadd(acc[2], tf32_fmul(A1[kk], B0[kk]));
		acc[3] = tf32_fadd(acc[3], tf32_fmul(A1[kk], B1[kk]));
	}
	for (int i = 0; i < 4; i++) d[i] = acc[i];
}

// mma_m16n8k8_tf32: D = A·B + C on the tensor cores where the architecture
// has them (sm_80+), else the emulation above. d may be c.
DEVICE void mma_m16n8k8_tf32(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
	asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
	             "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};"
	             : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
	             : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),
	               "f"(c[2]), "f"(c[3]));
#else
	mma_m16n8k8_tf32_emulated(d, a, b, c);
#endif
}
