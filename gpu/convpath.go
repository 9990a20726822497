//go:build cuda

package gpu

import (
	"fmt"

	"mnistgpu/engine"
)

// convPathEnv picks who runs the convolutions: "own" (or unset), the
// default, runs mnistgpu's kernels wherever they fit (kernels/igemm*.cu: the
// fixed rule's choice, and a conv fused with its bias, activation and pool
// in one kernel); "cudnn" runs every pass on cuDNN (its first qualifying
// algorithm) and a conv followed by a pool as cuDNN's convolution and one
// bias, activation and pool kernel. The own kernels have not been timed on
// a card against cuDNN yet: this is how one run compares the two
// (scripts/gpu-bundle/device-check.sh).
const convPathEnv = "MNISTGPU_CONV"

// convLibraryOnly reads convPathEnv: whether cuDNN runs every convolution.
// A value other than own or cudnn is refused before the device is opened.
func convLibraryOnly(getenv func(string) string) (bool, error) {
	switch v := getenv(convPathEnv); v {
	case "", "own":
		return false, nil
	case "cudnn":
		return true, nil
	default:
		return false, &engine.SettingError{Msg: fmt.Sprintf("cuda: %s=%q: want own (mnistgpu's convolution kernels, the default) or cudnn (cuDNN for every convolution)",
			convPathEnv, v)}
	}
}

// convMode is what Describe says of the convolutions beyond the algorithm
// choices: cuDNN for all of them, or how the own kernels run in TF32 mode.
func convMode(opt Options, convTF32, libraryOnly bool) string {
	if libraryOnly {
		return ", every convolution on cuDNN (" + convPathEnv + "=cudnn)"
	}
	return ownConvMode(opt, convTF32)
}
