package engine

// convPoolOp is a Conv2D with an element-wise activation and the max pool
// directly above it, compiled as one op on a backend that fuses the pair
// (ConvPoolFuser): forward is one call that writes the pool's output and,
// per pooled value, its argmax and pre-activation; backward turns the
// pool's output gradient into the conv's ∂loss/∂z through the argmax (one
// call), then runs the conv's weight and input gradients. The conv's own
// output and z are never written.
//
// When the backend declines the shapes (ConvBiasActivationPoolForward
// reports false) the op runs the two layers as the unfused ops do, through
// mid, and its backward pass follows whichever way the forward pass went.
type convPoolOp struct {
	conv *convOp
	pool *poolOp
	k    ConvPoolFuser
	// arg and pz are the fused forward's argmax and pre-activation, one
	// per pooled value; mid is the conv's output on the unfused way.
	arg, pz, mid Buffer
	fused        bool // the last forward pass ran fused
}

// fuseConvPools replaces each Conv2D op with an element-wise activation
// that a max-pool op directly follows by one convPoolOp. It fuses no
// LeakyReLU with a negative slope, whose gradient at a position no window
// selects is -0, not the fused pass's +0 (ConvPoolFuser).
func fuseConvPools(k ConvPoolFuser, ops []op) []op {
	out := ops[:0]
	for i := 0; i < len(ops); i++ {
		conv, ok := ops[i].(*convOp)
		if ok && i+1 < len(ops) && conv.act.f != Linear && !(conv.act.f == LeakyReLU && conv.act.alpha < 0) {
			if pool, ok := ops[i+1].(*poolOp); ok {
				out = append(out, &convPoolOp{conv: conv, pool: pool, k: k})
				i++
				continue
			}
		}
		out = append(out, ops[i])
	}
	return out
}

func (o *convPoolOp) outShape() Shape { return o.pool.out }

func (o *convPoolOp) setup(alloc func(n int) (Buffer, error), maxBatch int) error {
	if err := o.conv.setup(alloc, maxBatch); err != nil {
		return err
	}
	var err error
	if o.mid, err = alloc(maxBatch * o.conv.l.out.Size()); err != nil {
		return err
	}
	if o.arg, err = alloc(maxBatch * o.pool.out.Size()); err != nil {
		return err
	}
	o.pz, err = alloc(maxBatch * o.pool.out.Size())
	return err
}

func (o *convPoolOp) forward(b Backend, n int, x, y Buffer, c *runCtx) {
	a, l := &o.conv.act, o.conv.l
	o.fused = o.k.ConvBiasActivationPoolForward(l.conv.WithBatch(n), o.pool.p.WithBatch(n), a.f, a.alpha,
		x, l.kernel.W, l.bias.W, y, o.arg, o.pz)
	if !o.fused {
		o.conv.forward(b, n, x, o.mid, c)
		o.pool.forward(b, n, o.mid, y, c)
	}
}

func (o *convPoolOp) backward(b Backend, n int, x, y, dy, dx Buffer) {
	if !o.fused {
		poolBackwardFused(b, n, o.pool, o.conv, x, o.mid, y, dy, dx)
		return
	}
	a, l := &o.conv.act, o.conv.l
	o.k.MaxPoolArgmaxActivationBackwardBiasGrad(o.pool.p.WithBatch(n), a.f, a.alpha, o.arg, o.pz, y, dy, a.dz, l.bias.G)
	o.conv.linearBackward(b, n, x, a.dz, dx)
}
