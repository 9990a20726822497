//go:build arm64 && !noasm

#include "textflag.h"

// The element-wise kernels of vector_arm64.go, 16 values (four vectors) a
// step; n is a multiple of 16. Go's assembler has no floating-point vector
// arithmetic, so those instructions are written as WORDs, each with its
// instruction beside it. Each lane does the one operation the Go twin does
// on that value (FADD, FMAX, an integer compare), so the results are the Go
// twin's bits (where both addends are NaN, which of the two comes out may
// differ; the tests compare NaNs as NaNs).

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
