//go:build arm64 && !noasm

package cpu

import "unsafe"

// NEON versions of the element-wise kernels in vector_arm64.s (every arm64
// processor has NEON); n is a multiple of 16. The rest of a slice goes to
// the Go twin, which gives the same bits, so where a slice is cut (threads,
// runs of rows) changes nothing.
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

// The 2×2 pooling rows have no NEON version: the general window scan runs.
func pool2x2BackRow(ow, c int, x, y, dy, dx []float32, rowStride int) bool { return false }

func pool2x2FwdRow(ow, c int, x, y []float32, rowStride int) bool { return false }
