//go:build cuda

package gpu

import (
	"strings"
	"testing"
)

// TestDescribeNamesFusedForwardPasses: after a training step of the
// report's CNN, whose forward convolutions both run fused with their bias,
// activation and pool (no algorithm is chosen for them), Describe still
// names every convolution pass that ran, the forward ones first.
func TestDescribeNamesFusedForwardPasses(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cnnTrainStep(t, b)
	d := b.Describe()
	passes := cnnConvPasses(t, 64)
	conv1, conv2 := passes[0].p, passes[1].p
	for _, want := range []string{
		convShape(conv2) + ": " + fusedFprop + ", dgrad " + ownName + ", wgrad " + ownName,
		convShape(conv1) + ": " + fusedFprop + ", wgrad " + ownName,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe() = %q, missing %q", d, want)
		}
	}
}
