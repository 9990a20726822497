//go:build cuda

package gpu

import (
	"testing"

	"mnistgpu/engine/enginetest"
)

// TestConvPoolFuser: the fused conv + pool pair against this backend's own
// unfused kernels, bit for bit (py, arg, pz, dz, db), over odd shapes,
// overlapping windows and every activation (conformance.ConvPoolExact).
func TestConvPoolFuser(t *testing.T) { enginetest.ConvPool(t, device(t)) }
