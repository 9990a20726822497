//go:build !(amd64 || arm64) || noasm

package cpu

import "runtime"

// portableKernel: kernel is kernelGo.
const portableKernel = true

func kernel(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	kernelGo(k, a, rs, ks, b, ldb, c, ldc, alpha, overwrite)
}

func kernelName() string { return "portable 6x16" }

// kernelReason: the noasm build, or no assembly kernel for this GOARCH.
func kernelReason() string {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
		return "built with -tags noasm"
	}
	return "no assembly kernel for " + runtime.GOARCH
}
