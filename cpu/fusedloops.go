package cpu

import "math"

// The portable path's fused element-wise loops. A scalar core spends most
// of a short loop on its loads, stores and loop counting, so two passes
// over the same run of values (the bias add then ReLU, ReLU's gradient then
// the bias gradient's sum) cost nearly twice one pass doing both. Each
// value goes through the same operations in the same order as in the two
// passes (reluGo after addToGo, addToGo after reluGradGo), so the bits are
// those of the two passes, NaN payloads aside: of a sum of two NaNs, x86
// keeps one operand's payload and Go picks the operand order of a float add
// at each place it compiles one (addToGo inlined in two callers can differ
// already). A NaN there is a NaN loss, which fails the run. The vector
// kernels keep their two passes (biasReLU and reluGradSum in vector_*.go).

// biasReLUGo: z += bias, then y = max(z, 0), element-wise.
func biasReLUGo(z, bias, y []float32) {
	bias, y = bias[:len(z)], y[:len(z)]
	for i, v := range z {
		v += bias[i]
		z[i] = v
		y[i] = max(v, 0)
	}
}

// reluGradSumGo: dx = dy where x > 0, else +0, then acc += dx, element-wise.
func reluGradSumGo(dx, x, dy, acc []float32) {
	dx, dy, acc = dx[:len(x)], dy[:len(x)], acc[:len(x)]
	for i, v := range x {
		d := math.Float32frombits(math.Float32bits(dy[i]) & positiveMask(v))
		dx[i] = d
		acc[i] += d
	}
}
