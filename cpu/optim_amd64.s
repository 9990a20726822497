//go:build amd64 && !noasm

#include "textflag.h"

// func adamAVX512(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)
// The Keras Adam update of optim.go, lanes at a time, in the same order of
// operations (no fused multiply-add), so results equal the Go loop's bit for bit.
// flushState is done on the bits: |x| (sign cleared) below minNormal's bits
// as an integer is a subnormal or zero, and NaN's bits are above.
TEXT ·adamAVX512(SB), NOSPLIT, $0-64
	MOVQ n+0(FP), CX
	MOVQ wp+8(FP), DI
	MOVQ gp+16(FP), SI
	MOVQ mp+24(FP), R8
	MOVQ vp+32(FP), R9
	VBROADCASTSS lrT+40(FP), Z10
	VBROADCASTSS b1+44(FP), Z11
	VBROADCASTSS omb1+48(FP), Z14
	VBROADCASTSS b2+52(FP), Z12
	VBROADCASTSS omb2+56(FP), Z15
	VBROADCASTSS eps+60(FP), Z13
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z8
	MOVL $0x00800000, AX
	VPBROADCASTD AX, Z9
	TESTQ CX, CX
	JZ adamAVX512_done
adamAVX512_loop:
	VMOVUPS (SI), Z0
	VMULPS (R8), Z11, Z1
	VMULPS Z0, Z14, Z2
	VADDPS Z2, Z1, Z1
	VPANDD Z8, Z1, Z2
	VPCMPUD $1, Z9, Z2, K1
	VPXORD Z1, Z1, K1, Z1
	VMOVUPS Z1, (R8)
	VMULPS Z0, Z15, Z3
	VMULPS Z0, Z3, Z3
	VMULPS (R9), Z12, Z4
	VADDPS Z3, Z4, Z4
	VPANDD Z8, Z4, Z3
	VPCMPUD $1, Z9, Z3, K1
	VPXORD Z4, Z4, K1, Z4
	VMOVUPS Z4, (R9)
	VSQRTPS Z4, Z5
	VADDPS Z13, Z5, Z5
	VMULPS Z1, Z10, Z6
	VDIVPS Z5, Z6, Z6
	VMOVUPS (DI), Z7
	VSUBPS Z6, Z7, Z7
	VMOVUPS Z7, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	SUBQ $16, CX
	JNZ adamAVX512_loop
adamAVX512_done:
	VZEROUPPER
	RET

// func adamAVX2(n int, wp, gp, mp, vp *float32, lrT, b1, omb1, b2, omb2, eps float32)
// The Keras Adam update of optim.go, lanes at a time, in the same order of
// operations (no fused multiply-add), so results equal the Go loop's bit for bit.
TEXT ·adamAVX2(SB), NOSPLIT, $0-64
	MOVQ n+0(FP), CX
	MOVQ wp+8(FP), DI
	MOVQ gp+16(FP), SI
	MOVQ mp+24(FP), R8
	MOVQ vp+32(FP), R9
	VBROADCASTSS lrT+40(FP), Y10
	VBROADCASTSS b1+44(FP), Y11
	VBROADCASTSS omb1+48(FP), Y14
	VBROADCASTSS b2+52(FP), Y12
	VBROADCASTSS omb2+56(FP), Y15
	VBROADCASTSS eps+60(FP), Y13
	MOVL $0x7fffffff, AX
	MOVD AX, X8
	VPBROADCASTD X8, Y8
	MOVL $0x00800000, AX
	MOVD AX, X9
	VPBROADCASTD X9, Y9
	TESTQ CX, CX
	JZ adamAVX2_done
adamAVX2_loop:
	VMOVUPS (SI), Y0
	VMULPS (R8), Y11, Y1
	VMULPS Y0, Y14, Y2
	VADDPS Y2, Y1, Y1
	VPAND Y8, Y1, Y2
	VPCMPGTD Y2, Y9, Y2
	VPANDN Y1, Y2, Y1
	VMOVUPS Y1, (R8)
	VMULPS Y0, Y15, Y3
	VMULPS Y0, Y3, Y3
	VMULPS (R9), Y12, Y4
	VADDPS Y3, Y4, Y4
	VPAND Y8, Y4, Y3
	VPCMPGTD Y3, Y9, Y3
	VPANDN Y4, Y3, Y4
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y5
	VADDPS Y13, Y5, Y5
	VMULPS Y1, Y10, Y6
	VDIVPS Y5, Y6, Y6
	VMOVUPS (DI), Y7
	VSUBPS Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JNZ adamAVX2_loop
adamAVX2_done:
	VZEROUPPER
	RET
