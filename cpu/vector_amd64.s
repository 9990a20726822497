//go:build amd64 && !noasm

#include "textflag.h"

// Element-wise kernels of vector_amd64.go, 8 lanes at a time; n is a
// multiple of 8. Each gives the Go twin's (vector_other.go) results.

// func addToAVX2(n int, dst, src *float32)
// dst[i] += src[i].
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	TESTQ CX, CX
	JZ addToAVX2_done
addToAVX2_loop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ addToAVX2_loop
addToAVX2_done:
	VZEROUPPER
	RET

// func reluAVX2(n int, y, x *float32)
// y[i] = max(x[i], 0) as Go's max: x > 0 ? x : +0, and NaN stays NaN.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ y+8(FP), DI
	MOVQ x+16(FP), SI
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JZ reluAVX2_done
reluAVX2_loop:
	VMOVUPS (SI), Y0
	VMAXPS Y7, Y0, Y1         // x > 0 ? x : +0
	VCMPPS $3, Y0, Y0, Y2     // unordered: x is NaN
	VBLENDVPS Y2, Y0, Y1, Y1  // NaN lanes keep x
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ reluAVX2_loop
reluAVX2_done:
	VZEROUPPER
	RET

// func reluGradAVX2(n int, dx, x, dy *float32)
// dx[i] = dy[i] where int32 bits of x[i] > 0 (x > +0, or a positive NaN),
// else +0: positiveMask of elementwise.go.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ dx+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ dy+24(FP), DX
	VPXOR Y7, Y7, Y7
	TESTQ CX, CX
	JZ reluGradAVX2_done
reluGradAVX2_loop:
	VMOVDQU (SI), Y0
	VPCMPGTD Y7, Y0, Y1       // bits(x) > 0, signed
	VPAND (DX), Y1, Y1
	VMOVDQU Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ reluGradAVX2_loop
reluGradAVX2_done:
	VZEROUPPER
	RET

// func pool2x2BackAVX2(ow, c int, x, y, dy, dx *float32, rowStride int)
// One output row of pool2x2Backward: ow windows of c channels (c a multiple
// of 8); x and dx point at the top input row of the windows, y and dy at the
// output row, rowStride is the input row length in floats. The first of the
// window's a, b, c, d equal to the max takes dy; the others get +0.
TEXT ·pool2x2BackAVX2(SB), NOSPLIT, $0-56
	MOVQ ow+0(FP), CX
	MOVQ c+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), R8
	MOVQ dy+32(FP), R9
	MOVQ dx+40(FP), DI
	MOVQ rowStride+48(FP), R10
	SHLQ $2, DX
	SHLQ $2, R10
	TESTQ CX, CX
	JZ pool2x2BackAVX2_done
pool2x2BackAVX2_window:
	MOVQ SI, AX
	LEAQ (SI)(DX*1), BX
	MOVQ DI, R11
	LEAQ (DI)(DX*1), R12
	MOVQ DX, R13
	SHRQ $5, R13
pool2x2BackAVX2_lanes:
	VMOVUPS (R8), Y0                // m
	VMOVUPS (R9), Y1                // g
	VCMPPS $0, (AX), Y0, Y2         // ea = a == m
	VCMPPS $0, (BX), Y0, Y3         // b == m
	VCMPPS $0, (AX)(R10*1), Y0, Y4  // c == m
	VANDNPS Y3, Y2, Y3              // eb = (b == m) &^ ea
	VORPS Y2, Y3, Y5
	VANDNPS Y4, Y5, Y4              // ec = (c == m) &^ (ea | eb)
	VORPS Y4, Y5, Y5                // ea | eb | ec; ed is its complement
	VANDPS Y1, Y2, Y6
	VMOVUPS Y6, (R11)
	VANDPS Y1, Y3, Y6
	VMOVUPS Y6, (R12)
	VANDPS Y1, Y4, Y6
	VMOVUPS Y6, (R11)(R10*1)
	VANDNPS Y1, Y5, Y6
	VMOVUPS Y6, (R12)(R10*1)
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ R13
	JNZ pool2x2BackAVX2_lanes
	LEAQ (SI)(DX*2), SI
	LEAQ (DI)(DX*2), DI
	DECQ CX
	JNZ pool2x2BackAVX2_window
pool2x2BackAVX2_done:
	VZEROUPPER
	RET

// GOMAX sets Y_r to max(Y_a, Y_b) as Go's max: NaN if either is NaN, +0 for
// max(-0, +0); Y_t is clobbered.
#define GOMAX(a, b, r, t) \
	VMAXPS b, a, r \
	VCMPPS $0, b, a, t \
	VBLENDVPS t, Y15, r, r \
	VCMPPS $3, b, a, t \
	VORPS t, r, r

// func pool2x2FwdAVX2(ow, c int, x, y *float32, rowStride int)
// One output row of pool2x2Forward: ow windows of c channels (c a multiple
// of 8); x points at the top input row of the windows, y at the output row,
// rowStride is the input row length in floats. y = max(max(a, b), max(c, d))
// with Go's max.
TEXT ·pool2x2FwdAVX2(SB), NOSPLIT, $0-40
	MOVQ ow+0(FP), CX
	MOVQ c+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DI
	MOVQ rowStride+32(FP), R10
	SHLQ $2, DX
	SHLQ $2, R10
	TESTQ CX, CX
	JZ pool2x2FwdAVX2_done
pool2x2FwdAVX2_window:
	MOVQ SI, AX
	LEAQ (SI)(DX*1), BX
	MOVQ DX, R13
	SHRQ $5, R13
pool2x2FwdAVX2_lanes:
	VMOVUPS (AX), Y0
	VMOVUPS (BX), Y1
	VANDPS Y0, Y1, Y15        // equal a, b: a & b is Go's max (signed zeros)
	GOMAX(Y0, Y1, Y4, Y5)
	VMOVUPS (AX)(R10*1), Y2
	VMOVUPS (BX)(R10*1), Y3
	VANDPS Y2, Y3, Y15
	GOMAX(Y2, Y3, Y6, Y5)
	VANDPS Y4, Y6, Y15
	GOMAX(Y4, Y6, Y7, Y5)
	VMOVUPS Y7, (DI)
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $32, DI
	DECQ R13
	JNZ pool2x2FwdAVX2_lanes
	LEAQ (SI)(DX*2), SI
	DECQ CX
	JNZ pool2x2FwdAVX2_window
pool2x2FwdAVX2_done:
	VZEROUPPER
	RET
