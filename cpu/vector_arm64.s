//go:build arm64 && !noasm

#include "textflag.h"

// The element-wise kernels of vector_arm64.go: addTo, relu and reluGrad 16
// values (four vectors) a step, n a multiple of 16; the 2×2 pool a window's
// channels 4 at a time. Go's assembler has no floating-point vector
// arithmetic, so those instructions are written as WORDs, each with its
// instruction beside it. Each lane does the one operation the Go twin does
// on that value (FADD, FMAX, FCMEQ, an integer compare and masks), so the
// results are the Go twin's bits (where both operands are NaN, which of the
// two comes out may differ; the tests compare NaNs as NaNs).

// func addToNEON(n int, dst, src *float32)
TEXT ·addToNEON(SB), NOSPLIT, $0-24
	MOVD n+0(FP), R0
	MOVD dst+8(FP), R1
	MOVD src+16(FP), R2
	CBZ  R0, addToNEON_done

addToNEON_loop:
	VLD1   (R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4e24d400 // fadd v0.4s, v0.4s, v4.4s
	WORD $0x4e25d421 // fadd v1.4s, v1.4s, v5.4s
	WORD $0x4e26d442 // fadd v2.4s, v2.4s, v6.4s
	WORD $0x4e27d463 // fadd v3.4s, v3.4s, v7.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R1)
	SUBS   $16, R0, R0
	BNE    addToNEON_loop

addToNEON_done:
	RET

// func reluNEON(n int, y, x *float32)
// FMAX with +0, as Go's max(v, 0) on arm64: NaN stays NaN, -0 becomes +0.
TEXT ·reluNEON(SB), NOSPLIT, $0-24
	MOVD n+0(FP), R0
	MOVD y+8(FP), R1
	MOVD x+16(FP), R2
	CBZ  R0, reluNEON_done
	VEOR V8.B16, V8.B16, V8.B16

reluNEON_loop:
	VLD1.P 64(R2), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD $0x4e28f400 // fmax v0.4s, v0.4s, v8.4s
	WORD $0x4e28f421 // fmax v1.4s, v1.4s, v8.4s
	WORD $0x4e28f442 // fmax v2.4s, v2.4s, v8.4s
	WORD $0x4e28f463 // fmax v3.4s, v3.4s, v8.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R1)
	SUBS   $16, R0, R0
	BNE    reluNEON_loop

reluNEON_done:
	RET

// func reluGradNEON(n int, dx, x, dy *float32)
// dx = dy AND (x > 0 as a signed integer), positiveMask's rule.
TEXT ·reluGradNEON(SB), NOSPLIT, $0-32
	MOVD n+0(FP), R0
	MOVD dx+8(FP), R1
	MOVD x+16(FP), R2
	MOVD dy+24(FP), R3
	CBZ  R0, reluGradNEON_done

reluGradNEON_loop:
	VLD1.P 64(R2), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R3), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4ea08800 // cmgt v0.4s, v0.4s, #0
	WORD $0x4ea08821 // cmgt v1.4s, v1.4s, #0
	WORD $0x4ea08842 // cmgt v2.4s, v2.4s, #0
	WORD $0x4ea08863 // cmgt v3.4s, v3.4s, #0
	VAND   V0.B16, V4.B16, V4.B16
	VAND   V1.B16, V5.B16, V5.B16
	VAND   V2.B16, V6.B16, V6.B16
	VAND   V3.B16, V7.B16, V7.B16
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R1)
	SUBS   $16, R0, R0
	BNE    reluGradNEON_loop

reluGradNEON_done:
	RET

// func pool2x2FwdNEON(ow, c int, x, y *float32, rowStride int)
// One output row of pool2x2Forward: ow windows of c channels (c a multiple
// of 4); x points at the top input row of the windows, y at the output row,
// rowStride is the input row length in floats. y = max(max(a, b), max(c, d))
// with FMAX, which is Go's max on arm64 (NaN propagates, max(-0, +0) = +0).
TEXT ·pool2x2FwdNEON(SB), NOSPLIT, $0-40
	MOVD ow+0(FP), R0
	MOVD c+8(FP), R1
	MOVD x+16(FP), R2
	MOVD y+24(FP), R3
	MOVD rowStride+32(FP), R4
	LSL  $2, R4
	LSL  $2, R1, R5 // c in bytes
	LSR  $2, R1     // vectors per window
	CBZ  R0, pool2x2FwdNEON_done

pool2x2FwdNEON_window:
	MOVD R2, R6      // a
	ADD  R5, R2, R7  // b
	ADD  R4, R2, R8  // c
	ADD  R5, R8, R9  // d
	MOVD R1, R10

pool2x2FwdNEON_lanes:
	VLD1.P 16(R6), [V0.S4]
	VLD1.P 16(R7), [V1.S4]
	VLD1.P 16(R8), [V2.S4]
	VLD1.P 16(R9), [V3.S4]
	WORD $0x4e21f400 // fmax v0.4s, v0.4s, v1.4s
	WORD $0x4e23f442 // fmax v2.4s, v2.4s, v3.4s
	WORD $0x4e22f400 // fmax v0.4s, v0.4s, v2.4s
	VST1.P [V0.S4], 16(R3)
	SUBS   $1, R10, R10
	BNE    pool2x2FwdNEON_lanes
	ADD    R5<<1, R2, R2
	SUBS   $1, R0, R0
	BNE    pool2x2FwdNEON_window

pool2x2FwdNEON_done:
	RET

// func pool2x2BackNEON(ow, c int, x, y, dy, dx *float32, rowStride int)
// One output row of pool2x2Backward: the first of a, b, c, d (the window's
// inputs in x) equal to the max y takes the gradient dy, the others +0, in
// dx; FCMEQ is Go's ==, and the masks are built as eqMask's are.
TEXT ·pool2x2BackNEON(SB), NOSPLIT, $0-56
	MOVD ow+0(FP), R0
	MOVD c+8(FP), R1
	MOVD x+16(FP), R2
	MOVD y+24(FP), R3
	MOVD dy+32(FP), R15
	MOVD dx+40(FP), R16
	MOVD rowStride+48(FP), R4
	LSL  $2, R4
	LSL  $2, R1, R5
	LSR  $2, R1
	CBZ  R0, pool2x2BackNEON_done

pool2x2BackNEON_window:
	MOVD R2, R6       // xa
	ADD  R5, R2, R7   // xb
	ADD  R4, R2, R8   // xc
	MOVD R16, R11     // da
	ADD  R5, R16, R12 // db
	ADD  R4, R16, R13 // dc
	ADD  R5, R13, R14 // dd
	MOVD R1, R10

pool2x2BackNEON_lanes:
	VLD1.P 16(R3), [V4.S4]
	VLD1.P 16(R15), [V5.S4]
	VLD1.P 16(R6), [V0.S4]
	VLD1.P 16(R7), [V1.S4]
	VLD1.P 16(R8), [V2.S4]
	WORD $0x4e24e400 // fcmeq v0.4s, v0.4s, v4.4s
	WORD $0x4e24e421 // fcmeq v1.4s, v1.4s, v4.4s
	WORD $0x4e24e442 // fcmeq v2.4s, v2.4s, v4.4s
	WORD $0x4e601c21 // bic v1.16b, v1.16b, v0.16b
	VORR   V0.B16, V1.B16, V3.B16
	WORD $0x4e631c42 // bic v2.16b, v2.16b, v3.16b
	VORR   V2.B16, V3.B16, V3.B16
	VAND   V5.B16, V0.B16, V0.B16
	VAND   V5.B16, V1.B16, V1.B16
	VAND   V5.B16, V2.B16, V2.B16
	WORD $0x4e631ca3 // bic v3.16b, v5.16b, v3.16b
	VST1.P [V0.S4], 16(R11)
	VST1.P [V1.S4], 16(R12)
	VST1.P [V2.S4], 16(R13)
	VST1.P [V3.S4], 16(R14)
	SUBS   $1, R10, R10
	BNE    pool2x2BackNEON_lanes
	ADD    R5<<1, R2, R2
	ADD    R5<<1, R16, R16
	SUBS   $1, R0, R0
	BNE    pool2x2BackNEON_window

pool2x2BackNEON_done:
	RET
