package cpu

import (
	"fmt"
	"os"
	"strings"
)

// KernelChoice is which kernels the CPU backend runs in this process and
// why: `mnistgpu version` and `bench` print it, so that a timing or a bug
// report says which code ran. BUILDING.md ("Platforms") says how to force
// each kernel.
type KernelChoice struct {
	GEMM        string `json:"gemm"`         // the GEMM micro-kernel and its tile: "avx512 8x32", "avx2+fma 6x16", "neon 6x16", "portable 6x16"
	ElementWise string `json:"element_wise"` // ReLU, pooling, Adam: "avx2", "go", …
	Why         string `json:"why"`          // the CPU features, build tag or GODEBUG setting that chose them
}

// Kernels returns the kernels chosen at start.
func Kernels() KernelChoice {
	return KernelChoice{GEMM: kernelName(), ElementWise: elementWiseName(), Why: kernelReason()}
}

func (k KernelChoice) String() string {
	return fmt.Sprintf("GEMM %s, element-wise %s (%s)", k.GEMM, k.ElementWise, k.Why)
}

// godebugOff returns the GODEBUG setting ("cpu.avx2=off", "cpu.all=off")
// that turns off the first of features it turns off, or "". The last
// setting of a feature wins, as golang.org/x/sys/cpu reads them.
func godebugOff(features ...string) string {
	off := map[string]string{}
	for _, field := range strings.Split(os.Getenv("GODEBUG"), ",") {
		key, value, ok := strings.Cut(strings.TrimPrefix(field, "cpu."), "=")
		if !ok || !strings.HasPrefix(field, "cpu.") {
			continue
		}
		for _, f := range features {
			if key == f || key == "all" {
				off[f] = ""
				if value == "off" {
					off[f] = field
				}
			}
		}
	}
	for _, f := range features {
		if off[f] != "" {
			return off[f]
		}
	}
	return ""
}
