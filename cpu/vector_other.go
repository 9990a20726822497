//go:build !(amd64 || arm64) || noasm

package cpu

// elementWiseName: every element-wise loop is Go.
func elementWiseName() string { return "go" }

func addTo(dst, src []float32)     { addToGo(dst, src) }
func relu(y, x []float32)          { reluGo(y, x) }
func reluGrad(dx, x, dy []float32) { reluGradGo(dx, x, dy) }

func biasReLU(z, bias, y []float32)        { biasReLUGo(z, bias, y) }
func reluGradSum(dx, x, dy, acc []float32) { reluGradSumGo(dx, x, dy, acc) }

func pool2x2BackRow(ow, c int, x, y, dy, dx []float32, rowStride int) bool { return false }

func pool2x2FwdRow(ow, c int, x, y []float32, rowStride int) bool { return false }
