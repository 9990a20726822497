//go:build !(amd64 || arm64) || noasm

package cpu

func kernel(k int, a []float32, rs, ks int, b []float32, ldb int, c []float32, ldc int, alpha float32, overwrite bool) {
	kernelGo(k, a, rs, ks, b, ldb, c, ldc, alpha, overwrite)
}

func kernelName() string { return "go 6x16" }
