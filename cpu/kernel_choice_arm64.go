//go:build arm64 && !noasm

package cpu

// Every arm64 processor has Advanced SIMD (NEON), so the NEON kernel
// (kernel_arm64.go) is always the one; -tags noasm forces the portable one.

// portableKernel: kernel is the NEON kernel, not kernelGo.
const portableKernel = false

func kernelReason() string { return "every arm64 CPU has NEON" }

// elementWiseName: the bias adds, ReLU, 2×2 pooling and the Adam and SGD
// updates run in NEON (vector_arm64.go, optim_arm64.go).
func elementWiseName() string { return "neon" }
