//go:build arm64 && !noasm

package cpu

import "unsafe"

// NEON versions of the element-wise kernels in vector_arm64.s (every arm64
// processor has NEON); n is a multiple of 16. The rest of a slice goes to
// the Go twin, which gives the same bits, so where a slice is cut (threads,
// runs of rows) changes nothing. The 2×2 pool's rows take NEON when the
// channels are a multiple of 4 (the report's CNN: 32 and 64).
//
//go:noescape
func addToNEON(n int, dst, src *float32)

//go:noescape
func reluNEON(n int, y, x *float32)

//go:noescape
func reluGradNEON(n int, dx, x, dy *float32)

// addTo: dst += src element-wise.
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	b := len(dst) &^ 15
	if b > 0 {
		addToNEON(b, unsafe.SliceData(dst), unsafe.SliceData(src))
	}
	addToGo(dst[b:], src[b:])
}

// relu: y = max(x, 0).
func relu(y, x []float32) {
	y = y[:len(x)]
	b := len(x) &^ 15
	if b > 0 {
		reluNEON(b, unsafe.SliceData(y), unsafe.SliceData(x))
	}
	reluGo(y[b:], x[b:])
}

// reluGrad: dx = dy where x > 0, else +0.
func reluGrad(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	b := len(x) &^ 15
	if b > 0 {
		reluGradNEON(b, unsafe.SliceData(dx), unsafe.SliceData(x), unsafe.SliceData(dy))
	}
	reluGradGo(dx[b:], x[b:], dy[b:])
}

// biasReLU: z += bias, then y = max(z, 0), in two NEON passes.
func biasReLU(z, bias, y []float32) {
	addTo(z, bias)
	relu(y, z)
}

// reluGradSum: dx = dy where x > 0, else +0, then acc += dx, in two NEON
// passes.
func reluGradSum(dx, x, dy, acc []float32) {
	reluGrad(dx, x, dy)
	addTo(acc, dx)
}

//go:noescape
func pool2x2FwdNEON(ow, c int, x, y *float32, rowStride int)

//go:noescape
func pool2x2BackNEON(ow, c int, x, y, dy, dx *float32, rowStride int)

// pool2x2FwdRow runs pool2x2Forward's output row in NEON when the channels
// fill whole vectors, and reports whether it did.
func pool2x2FwdRow(ow, c int, x, y []float32, rowStride int) bool {
	if c%4 != 0 || ow == 0 {
		return false
	}
	// Every address the assembly touches is inside the slices.
	_ = x[rowStride+2*ow*c-1]
	_ = y[ow*c-1]
	pool2x2FwdNEON(ow, c, unsafe.SliceData(x), unsafe.SliceData(y), rowStride)
	return true
}

// pool2x2BackRow runs pool2x2Backward's output row oh of sample n in NEON
// when the channels fill whole vectors, and reports whether it did.
func pool2x2BackRow(ow, c int, x, y, dy, dx []float32, rowStride int) bool {
	if c%4 != 0 || ow == 0 {
		return false
	}
	_ = x[rowStride+2*ow*c-1]
	_ = dx[rowStride+2*ow*c-1]
	_ = y[ow*c-1]
	_ = dy[ow*c-1]
	pool2x2BackNEON(ow, c, unsafe.SliceData(x), unsafe.SliceData(y), unsafe.SliceData(dy), unsafe.SliceData(dx), rowStride)
	return true
}
