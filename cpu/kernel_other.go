//go:build !amd64 || noasm

package cpu

func kernel(k int, a, b, c []float32, ldc int) { kernelGo(k, a, b, c, ldc) }

func kernelName() string { return "go 6x16" }
