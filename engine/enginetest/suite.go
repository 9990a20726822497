// Package enginetest is the conformance suite as go tests: every Backend's
// _test.go calls Run and Parity (gonum's testblas shape). The checks
// themselves live in engine/conformance, which does not need package
// testing, so `mnistgpu check` runs them in the shipped binary.
package enginetest

import (
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// Run checks every kernel of b against the float64 reference
// (conformance.Conformance), one subtest per case.
func Run(t *testing.T, b engine.Backend) {
	report(t, conformance.Conformance(b))
}

// Parity trains the same models with the same initial weights on the same
// batches on ref and b (conformance.ParityResults), one subtest per
// comparison: logits, loss, every gradient, the weights after Adam and SGD
// steps, and the loss over 200 training steps.
func Parity(t *testing.T, ref, b engine.Backend) {
	report(t, conformance.ParityResults(ref, b))
}

// ConvPool checks b's ConvPoolFuser against the unfused composition of its
// own kernels, bit for bit (conformance.ConvPoolExact; Run includes it).
// It reports nothing for a backend without one.
func ConvPool(t *testing.T, b engine.Backend) {
	report(t, conformance.ConvPoolExact(b))
}

// BiasLoss checks b's BiasLossMetricsFuser against its own unfused kernels,
// bit for bit (conformance.BiasLossExact; Run includes it). It reports
// nothing for a backend without one.
func BiasLoss(t *testing.T, b engine.Backend) {
	report(t, conformance.BiasLossExact(b))
}

func report(t *testing.T, results []conformance.Result) {
	t.Helper()
	for _, r := range results {
		t.Run(r.Op+"/"+r.Shape, func(t *testing.T) {
			if !r.Pass {
				t.Error(r)
			}
		})
	}
}
