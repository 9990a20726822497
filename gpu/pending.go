//go:build cuda

package gpu

import (
	"errors"

	"mnistgpu/engine"
)

// ErrNotBuilt is what a cuda build says until the CUDA backend is part of
// this version: the build tag is accepted, the device is not yet there.
var ErrNotBuilt = errors.New("the CUDA backend (cuDNN, cuBLAS, own kernels) is not part of this version of mnistgpu yet; " +
	"train with --device cpu (see BUILDING.md)")

// Available reports whether this build can run on a GPU.
func Available() bool { return false }

func init() {
	engine.Register("cuda", func() (engine.Backend, error) { return nil, ErrNotBuilt })
}
