//go:build arm64 && !noasm

#include "textflag.h"

// The optimizer updates of optim.go, four values (one vector) a step; n is
// a multiple of 4. Each lane does the Go twin's operations in its order,
// every product rounded before it is added (FMUL then FADD, never FMLA), so
// the results are the Go twin's bits, which are also amd64's. Go's assembler
// has no floating-point vector arithmetic: those instructions are WORDs,
// each with its instruction beside it. flushState is done on the bits: |x|
// (the sign cleared) at or above minNormal's bits as an unsigned integer is
// kept (NaN's bits are above), anything below (zero, subnormal) becomes +0.

// func adamNEON(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)
TEXT ·adamNEON(SB), NOSPLIT, $0-64
	MOVD  n+0(FP), R0
	MOVD  wp+8(FP), R1
	MOVD  gp+16(FP), R2
	MOVD  mp+24(FP), R3
	MOVD  vp+32(FP), R4
	CBZ   R0, adamNEON_done
	FMOVS lrT+40(FP), F16
	FMOVS b1+44(FP), F17
	FMOVS omb1+48(FP), F18
	FMOVS b2+52(FP), F19
	FMOVS omb2+56(FP), F20
	FMOVS eps+60(FP), F21
	VDUP  V16.S[0], V16.S4
	VDUP  V17.S[0], V17.S4
	VDUP  V18.S[0], V18.S4
	VDUP  V19.S[0], V19.S4
	VDUP  V20.S[0], V20.S4
	VDUP  V21.S[0], V21.S4
	MOVW  $0x7fffffff, R9
	VDUP  R9, V22.S4
	MOVW  $0x00800000, R9
	VDUP  R9, V23.S4

adamNEON_loop:
	VLD1.P 16(R2), [V0.S4]
	VLD1   (R3), [V1.S4]
	WORD $0x6e21de21 // fmul v1.4s, v17.4s, v1.4s
	WORD $0x6e20de42 // fmul v2.4s, v18.4s, v0.4s
	WORD $0x4e22d421 // fadd v1.4s, v1.4s, v2.4s
	VAND   V22.B16, V1.B16, V2.B16
	WORD $0x6eb73c42 // cmhs v2.4s, v2.4s, v23.4s
	VAND   V2.B16, V1.B16, V1.B16
	VST1.P [V1.S4], 16(R3)
	VLD1   (R4), [V3.S4]
	WORD $0x6e23de63 // fmul v3.4s, v19.4s, v3.4s
	WORD $0x6e20de84 // fmul v4.4s, v20.4s, v0.4s
	WORD $0x6e20dc84 // fmul v4.4s, v4.4s, v0.4s
	WORD $0x4e24d463 // fadd v3.4s, v3.4s, v4.4s
	VAND   V22.B16, V3.B16, V4.B16
	WORD $0x6eb73c84 // cmhs v4.4s, v4.4s, v23.4s
	VAND   V4.B16, V3.B16, V3.B16
	VST1.P [V3.S4], 16(R4)
	WORD $0x6ea1f863 // fsqrt v3.4s, v3.4s
	WORD $0x4e35d463 // fadd v3.4s, v3.4s, v21.4s
	WORD $0x6e21de01 // fmul v1.4s, v16.4s, v1.4s
	WORD $0x6e23fc21 // fdiv v1.4s, v1.4s, v3.4s
	VLD1   (R1), [V5.S4]
	WORD $0x4ea1d4a5 // fsub v5.4s, v5.4s, v1.4s
	VST1.P [V5.S4], 16(R1)
	SUBS   $4, R0, R0
	BNE    adamNEON_loop

adamNEON_done:
	RET

// func sgdNEON(n int, wp, gp *float32, lr float32)
// Without momentum: w -= lr·g.
TEXT ·sgdNEON(SB), NOSPLIT, $0-28
	MOVD  n+0(FP), R0
	MOVD  wp+8(FP), R1
	MOVD  gp+16(FP), R2
	CBZ   R0, sgdNEON_done
	FMOVS lr+24(FP), F16
	VDUP  V16.S[0], V16.S4

sgdNEON_loop:
	VLD1.P 16(R2), [V0.S4]
	VLD1   (R1), [V1.S4]
	WORD $0x6e20de00 // fmul v0.4s, v16.4s, v0.4s
	WORD $0x4ea0d421 // fsub v1.4s, v1.4s, v0.4s
	VST1.P [V1.S4], 16(R1)
	SUBS   $4, R0, R0
	BNE    sgdNEON_loop

sgdNEON_done:
	RET

// func sgdMomentumNEON(n int, wp, gp, vp *float32, lr, momentum float32, nesterov bool)
// v = flushState(momentum·v - lr·g); w += v, or with Nesterov
// w += momentum·v - lr·g (the new v).
TEXT ·sgdMomentumNEON(SB), NOSPLIT, $0-41
	MOVD  n+0(FP), R0
	MOVD  wp+8(FP), R1
	MOVD  gp+16(FP), R2
	MOVD  vp+24(FP), R3
	MOVBU nesterov+40(FP), R5
	CBZ   R0, sgdMomentumNEON_done
	FMOVS lr+32(FP), F16
	FMOVS momentum+36(FP), F17
	VDUP  V16.S[0], V16.S4
	VDUP  V17.S[0], V17.S4
	MOVW  $0x7fffffff, R9
	VDUP  R9, V22.S4
	MOVW  $0x00800000, R9
	VDUP  R9, V23.S4

sgdMomentumNEON_loop:
	VLD1.P 16(R2), [V0.S4]
	VLD1   (R3), [V1.S4]
	WORD $0x6e21de21 // fmul v1.4s, v17.4s, v1.4s
	WORD $0x6e20de00 // fmul v0.4s, v16.4s, v0.4s
	WORD $0x4ea0d421 // fsub v1.4s, v1.4s, v0.4s
	VAND   V22.B16, V1.B16, V2.B16
	WORD $0x6eb73c42 // cmhs v2.4s, v2.4s, v23.4s
	VAND   V2.B16, V1.B16, V1.B16
	VST1.P [V1.S4], 16(R3)
	CBZ    R5, sgdMomentumNEON_plain
	WORD $0x6e21de21 // fmul v1.4s, v17.4s, v1.4s
	WORD $0x4ea0d421 // fsub v1.4s, v1.4s, v0.4s

sgdMomentumNEON_plain:
	VLD1   (R1), [V3.S4]
	WORD $0x4e21d463 // fadd v3.4s, v3.4s, v1.4s
	VST1.P [V3.S4], 16(R1)
	SUBS   $4, R0, R0
	BNE    sgdMomentumNEON_loop

sgdMomentumNEON_done:
	RET
