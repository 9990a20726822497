//go:build cuda

package gpu

import (
	"testing"

	"mnistgpu/engine/enginetest"
)

// TestBiasLossMetrics: the last Dense's bias and bias gradient in the
// loss's kernel against bias_add, the loss kernel and bias_grad, bit for
// bit (conformance.BiasLossExact).
func TestBiasLossMetrics(t *testing.T) { enginetest.BiasLoss(t, device(t)) }
