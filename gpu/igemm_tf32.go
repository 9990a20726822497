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

// ownConvMode is Describe's account of the own convolution kernels' maths in
// TF32 mode on a device of compute capability major.minor ("" in parity
// mode, where they are fp32 everywhere).
func ownConvMode(opt Options, convTF32 bool, major, minor int) string {
	switch {
	case !opt.TF32:
		return ""
	case convTF32:
		return ", own convolution kernels on the TF32 tensor cores"
	}
	return fmt.Sprintf(", own convolution kernels in fp32 (sm_%d%d has no TF32 tensor cores)", major, minor)
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
