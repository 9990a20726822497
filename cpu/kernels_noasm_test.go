//go:build noasm

package cpu

import "testing"

// The noasm build names the portable kernels and says why (make test runs
// the cpu package with -tags noasm).
func TestNoasmBuildNamesThePortableKernels(t *testing.T) {
	want := KernelChoice{GEMM: "portable 6x16", ElementWise: "go", Why: "built with -tags noasm"}
	if got := Kernels(); got != want {
		t.Fatalf("Kernels() = %+v, want %+v", got, want)
	}
	if !portableKernel || !skipZeros {
		t.Fatal("the noasm build does not run the portable kernel over A's non-zero values")
	}
}
