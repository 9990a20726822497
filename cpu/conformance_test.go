package cpu

import (
	"testing"

	"mnistgpu/engine/conformance"
	"mnistgpu/engine/enginetest"
)

func TestConformance(t *testing.T) { enginetest.Run(t, New()) }

// TestParityWithReference runs the parity harness of the CPU backend against
// the float64 reference backend; a GPU backend runs the same against cpu.
func TestParityWithReference(t *testing.T) { enginetest.Parity(t, conformance.RefBackend{}, New()) }
