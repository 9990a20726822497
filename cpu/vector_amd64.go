//go:build amd64 && !noasm

package cpu

import "unsafe"

// Assembly in vector_amd64.s; n is a multiple of 8.
//
//go:noescape
func addToAVX2(n int, dst, src *float32)

//go:noescape
func reluAVX2(n int, y, x *float32)

//go:noescape
func reluGradAVX2(n int, dx, x, dy *float32)

//go:noescape
func pool2x2FwdAVX2(ow, c int, x, y *float32, rowStride int)

//go:noescape
func pool2x2BackAVX2(ow, c int, x, y, dy, dx *float32, rowStride int)

// elementWiseName names the element-wise kernels in use: ReLU, its
// gradient, 2×2 pooling and adding in AVX2; Adam in AVX-512 or AVX2.
func elementWiseName() string {
	switch {
	case useAVX512 && useAVX2:
		return "avx2, Adam avx512"
	case useAVX512:
		return "go, Adam avx512"
	case useAVX2:
		return "avx2"
	}
	return "go"
}

// vectorBody is the part of n values the assembly takes (a multiple of 8),
// 0 without AVX2.
func vectorBody(n int) int {
	if !useAVX2 {
		return 0
	}
	return n &^ 7
}

// addTo: dst += src element-wise.
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	b := vectorBody(len(dst))
	if b > 0 {
		addToAVX2(b, unsafe.SliceData(dst), unsafe.SliceData(src))
	}
	addToGo(dst[b:], src[b:])
}

// relu: y = max(x, 0).
func relu(y, x []float32) {
	y = y[:len(x)]
	b := vectorBody(len(x))
	if b > 0 {
		reluAVX2(b, unsafe.SliceData(y), unsafe.SliceData(x))
	}
	reluGo(y[b:], x[b:])
}

// reluGrad: dx = dy where x > 0, else +0.
func reluGrad(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	b := vectorBody(len(x))
	if b > 0 {
		reluGradAVX2(b, unsafe.SliceData(dx), unsafe.SliceData(x), unsafe.SliceData(dy))
	}
	reluGradGo(dx[b:], x[b:], dy[b:])
}

// biasReLU: z += bias, then y = max(z, 0): two AVX2 passes, or the fused
// Go loop without AVX2.
func biasReLU(z, bias, y []float32) {
	if !useAVX2 {
		biasReLUGo(z, bias, y)
		return
	}
	addTo(z, bias)
	relu(y, z)
}

// reluGradSum: dx = dy where x > 0, else +0, then acc += dx: two AVX2
// passes, or the fused Go loop without AVX2.
func reluGradSum(dx, x, dy, acc []float32) {
	if !useAVX2 {
		reluGradSumGo(dx, x, dy, acc)
		return
	}
	reluGrad(dx, x, dy)
	addTo(acc, dx)
}

// pool2x2BackRow runs pool2x2Backward's output row oh of sample n in
// assembly when the channels fill whole vectors, and reports whether it did.
func pool2x2BackRow(ow, c int, x, y, dy, dx []float32, rowStride int) bool {
	if !useAVX2 || c%8 != 0 || ow == 0 {
		return false
	}
	// Every address the assembly touches is inside the slices.
	_ = x[rowStride+2*ow*c-1]
	_ = dx[rowStride+2*ow*c-1]
	_ = y[ow*c-1]
	_ = dy[ow*c-1]
	pool2x2BackAVX2(ow, c, unsafe.SliceData(x), unsafe.SliceData(y), unsafe.SliceData(dy), unsafe.SliceData(dx), rowStride)
	return true
}

// pool2x2FwdRow runs pool2x2Forward's output row in assembly when the
// channels fill whole vectors, and reports whether it did.
func pool2x2FwdRow(ow, c int, x, y []float32, rowStride int) bool {
	if !useAVX2 || c%8 != 0 || ow == 0 {
		return false
	}
	_ = x[rowStride+2*ow*c-1]
	_ = y[ow*c-1]
	pool2x2FwdAVX2(ow, c, unsafe.SliceData(x), unsafe.SliceData(y), rowStride)
	return true
}
