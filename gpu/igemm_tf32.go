//go:build cuda

package gpu

import (
	"fmt"

	"gorgonia.org/cu"
)

// In TF32 mode the own convolution kernels run their inner products on the
// TF32 tensor cores (kernels/igemm_tf32.cu: the passes of igemm.cu with
// mma.sync m16n8k8, the inputs rounded to TF32 as they are staged, fp32
// sums in a fixed order, no atomics). That module is compute_80: a GPU
// older than sm_80 does not load it, and there TF32 mode runs igemm.cu's
// fp32 kernels, as parity mode always does; Describe and ConvReport say
// which.

// igTF32Probe is a kernel of kernels/igemm_tf32.cu: present where the module
// loaded.
const igTF32Probe = "conv_fprop_tf32_32x32"

// ownConvTF32 says whether a backend opened with opt, whose loaded kernels
// are functions, runs its own convolution kernels on the tensor cores.
func ownConvTF32(opt Options, functions map[string]cu.Function) bool {
	_, ok := functions[igTF32Probe]
	return opt.TF32 && ok
}

// tf32Mode is Describe's account of the maths a backend opened with opt
// runs on a device of compute capability major.minor: TF32 mode asks cuBLAS
// and cuDNN for tensor-op maths, which a GPU older than sm_80 has no TF32
// tensor cores for (they run fp32 there, and so do the own kernels).
func tf32Mode(opt Options, major, minor int) string {
	switch {
	case !opt.TF32:
		return "parity mode (fp32, deterministic algorithms)"
	case major < 8:
		return fmt.Sprintf("TF32 mode, but sm_%d%d has no TF32 tensor cores: fp32 maths", major, minor)
	}
	return "TF32 tensor-op maths"
}

// ownConvMode is Describe's account of the own convolution kernels' maths in
// TF32 mode ("" in parity mode, where they are fp32 everywhere).
func ownConvMode(opt Options, convTF32 bool) string {
	switch {
	case !opt.TF32:
		return ""
	case convTF32:
		return ", own convolution kernels on the TF32 tensor cores"
	}
	return ", own convolution kernels in fp32" // tf32Mode says why
}

// ownCandidateName is the own path's name among a pass's candidates
// (ConvReport, Describe): ownName, with "_tf32" where it runs on the tensor
// cores.
func (b *Backend) ownCandidateName() string {
	if b.convTF32 {
		return ownName + "_tf32"
	}
	return ownName
}
