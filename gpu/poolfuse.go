//go:build cuda

package gpu

import (
	"fmt"

	"mnistgpu/engine"
)

// The conv + bias + activation + max pool pair (engine.ConvPoolFuser): the
// forward pass keeps, per pooled value, where its maximum was and the
// pre-activation there, and the backward pass reads them instead of finding
// each window's maximum again.
var _ engine.ConvPoolFuser = (*Backend)(nil)

// ConvBiasActivationPoolForward runs the fused kernel where it takes the
// shapes (convBiasActPoolForward), else the conv into scratch and the bias,
// activation and pool in one kernel after it (bias_activation_maxpool_forward):
// either way every shape is fused.
func (b *Backend) ConvBiasActivationPoolForward(cp engine.ConvParams, pp engine.PoolParams, f engine.Activation, alpha float32, x, w, bias, py, arg, pz engine.Buffer) bool {
	elementwise(f, "ConvBiasActivationPoolForward")
	if pp.N != cp.N || pp.H != cp.OH || pp.W != cp.OW || pp.C != cp.K {
		panic(fmt.Sprintf("gpu: ConvBiasActivationPoolForward: pool %+v does not read conv %+v's output", pp, cp))
	}
	if !b.convLibrary && b.convBiasActPoolForward(cp, pp, f, alpha, x, w, bias, py, arg, pz) {
		if b.fusedConv == nil {
			b.fusedConv = map[engine.ConvParams]bool{}
		}
		b.fusedConv[cp] = true // no plan records it: convSummary names it
		return true
	}
	z := b.convOut.buffer(cp.N * cp.OH * cp.OW * cp.K)
	b.Conv2DForward(cp, x, w, z)
	b.launch("bias_activation_maxpool_forward", pp.N*pp.OH*pp.OW*pp.C, pp.N, pp.H, pp.W, pp.C, pp.PH, pp.PW, pp.SH, pp.SW,
		pp.PadTop, pp.PadLeft, pp.OH, pp.OW, int(f), alpha, z, bias, py, arg, pz)
	return true
}

// MaxPoolArgmaxActivationBackwardBiasGrad is one kernel, in the unfused
// kernel's blocks (poolChunk rows), so db is summed in the same order.
func (b *Backend) MaxPoolArgmaxActivationBackwardBiasGrad(p engine.PoolParams, f engine.Activation, alpha float32, arg, pz, py, dy, dz, db engine.Buffer) {
	elementwise(f, "MaxPoolArgmaxActivationBackwardBiasGrad")
	if s, ok := b.columnSums(p.N*p.H*p.W, p.C, poolChunk, db); ok {
		b.launchGrid("maxpool_argmax_activation_backward_bias_grad", s.gx, s.gy, 32, 8, p.N, p.H, p.W, p.C, p.PH, p.PW,
			p.SH, p.SW, p.PadTop, p.PadLeft, p.OH, p.OW, int(f), alpha, s.chunk, arg, pz, py, dy, dz, s.part, s.done, db)
	}
}
