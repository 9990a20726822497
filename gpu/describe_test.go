//go:build cuda

package gpu

import (
	"strings"
	"testing"
)

// TestDescribeNamesFusedForwardPasses: after a training step of the
// report's CNN, whose forward convolutions both run fused with their bias,
// activation and pool (no algorithm is chosen for them), Describe still
// names every convolution pass that ran, the forward ones first, by the
// kernels that ran them (the TF32 ones in TF32 mode).
func TestDescribeNamesFusedForwardPasses(t *testing.T) {
	for _, opt := range []Options{{}, {TF32: true}} {
		b, err := NewWithOptions(opt)
		if err != nil {
			t.Fatal(err)
		}
		cnnTrainStep(t, b)
		d := b.Describe()
		passes := cnnConvPasses(t, 64)
		conv1, conv2, own := passes[0].p, passes[1].p, b.ownCandidateName()
		for _, want := range []string{
			convShape(conv2) + ": fprop " + own + " fused with bias, activation and pool, dgrad " + own + ", wgrad " + own,
			convShape(conv1) + ": fprop " + own + " fused with bias, activation and pool, wgrad " + own,
		} {
			if !strings.Contains(d, want) {
				t.Errorf("TF32 %v: Describe() = %q, missing %q", opt.TF32, d, want)
			}
		}
		b.Close()
	}
}
