package engine

// An op is one step of the compiled model. x is the op's input for n samples,
// y its output; backward gets dy and writes dx (dx is nil for the first op,
// whose input gradient nobody needs). Ops with parameters write their
// gradients into their Params' G buffers.
type op interface {
	outShape() Shape
	// setup allocates the op's own buffers for batches up to maxBatch.
	setup(alloc func(n int) (Buffer, error), maxBatch int) error
	forward(b Backend, n int, x, y Buffer, c *runCtx)
	backward(b Backend, n int, x, y, dy, dx Buffer)
}

// runCtx carries per-step state into ops.
type runCtx struct {
	training bool
	step     uint64 // optimizer iterations so far; dropout's counter base
	maxBatch int
	// clock, when set, is the step clock the step reads its per-step
	// values from (a captured step); step is then not used.
	clock Buffer
}

// biasAct is the bias and element-wise activation that end a Conv2D or Dense
// op, y = f(z), z = linear part + bias. With f Linear the op writes z straight
// into y (BiasAdd, BiasGrad); otherwise z and ∂loss/∂z live in buffers of
// the op's own and bias and activation run as one kernel each way
// (BiasActivationForward, ActivationBackwardBiasGrad).
type biasAct struct {
	f     Activation
	alpha float32
	z, dz Buffer // maxBatch × the layer's output size; nil when f is Linear
}

func (a *biasAct) setup(alloc func(n int) (Buffer, error), maxBatch int, out Shape) error {
	if a.f == Linear {
		return nil
	}
	var err error
	if a.z, err = alloc(maxBatch * out.Size()); err != nil {
		return err
	}
	a.dz, err = alloc(maxBatch * out.Size())
	return err
}

// pre is where the op's linear part goes: z, or y itself without activation.
func (a *biasAct) pre(y Buffer) Buffer {
	if a.f == Linear {
		return y
	}
	return a.z
}

// forward adds the bias to the linear part (rows×cols, in pre(y)) and
// writes y.
func (a *biasAct) forward(b Backend, rows, cols int, bias, y Buffer) {
	if a.f == Linear {
		b.BiasAdd(rows, cols, y, bias)
		return
	}
	BiasActivationForward(b, a.f, a.alpha, rows, cols, a.z, bias, y)
}

// backward writes the bias gradient db from dy = ∂loss/∂y and returns
// ∂loss/∂z for the linear part's gradients.
func (a *biasAct) backward(b Backend, rows, cols int, y, dy, db Buffer) Buffer {
	if a.f == Linear {
		b.BiasGrad(rows, cols, dy, db)
		return dy
	}
	ActivationBackwardBiasGrad(b, a.f, a.alpha, rows, cols, a.z, y, dy, a.dz, db)
	return a.dz
}

// biasedOp is an op that ends in a bias and activation (Conv2D, Dense): its
// backward pass is the activation's and bias's (biasAct.backward) followed
// by linearBackward, which a max-pool op above it may take over
// (Model.backward).
type biasedOp interface {
	op
	bias() (*biasAct, *Param)
	// linearBackward writes the weight gradient and, when dx is not nil,
	// the input gradient from dz = ∂loss/∂z.
	linearBackward(b Backend, n int, x, dz, dx Buffer)
}

// poolBackwardFused runs the backward passes of a max pool (output py,
// output gradient dy) and of the biased op below it (below, with input x and
// output y, the pool's input) when below has an element-wise activation: the
// pool's input gradient goes straight into the activation's gradient and the
// bias gradient in one kernel. It reports false, doing nothing, otherwise.
func poolBackwardFused(b Backend, n int, pool *poolOp, below biasedOp, x, y, py, dy, dx Buffer) bool {
	act, bias := below.bias()
	if act.f == Linear {
		return false
	}
	MaxPoolActivationBackwardBiasGrad(b, pool.p.WithBatch(n), act.f, act.alpha, act.z, y, py, dy, act.dz, bias.G)
	below.linearBackward(b, n, x, act.dz, dx)
	return true
}

type convOp struct {
	l   *Conv2D
	act biasAct
}

func (o *convOp) outShape() Shape { return o.l.out }
func (o *convOp) setup(alloc func(n int) (Buffer, error), maxBatch int) error {
	return o.act.setup(alloc, maxBatch, o.l.out)
}
func (o *convOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	p := o.l.conv.WithBatch(n)
	b.Conv2DForward(p, x, o.l.kernel.W, o.act.pre(y))
	o.act.forward(b, n*p.OH*p.OW, p.K, o.l.bias.W, y)
}
func (o *convOp) backward(b Backend, n int, x, y, dy, dx Buffer) {
	p := o.l.conv.WithBatch(n)
	o.linearBackward(b, n, x, o.act.backward(b, n*p.OH*p.OW, p.K, y, dy, o.l.bias.G), dx)
}
func (o *convOp) bias() (*biasAct, *Param) { return &o.act, o.l.bias }
func (o *convOp) linearBackward(b Backend, n int, x, dz, dx Buffer) {
	p := o.l.conv.WithBatch(n)
	b.Conv2DBackwardFilter(p, x, dz, o.l.kernel.G)
	if dx != nil {
		b.Conv2DBackwardData(p, dz, o.l.kernel.W, dx)
	}
}

type denseOp struct {
	l   *Dense
	act biasAct
}

func (o *denseOp) outShape() Shape { return Shape{o.l.out} }
func (o *denseOp) setup(alloc func(n int) (Buffer, error), maxBatch int) error {
	return o.act.setup(alloc, maxBatch, Shape{o.l.out})
}
func (o *denseOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	o.linearForward(b, n, x, o.act.pre(y))
	o.act.forward(b, n, o.l.out, o.l.bias.W, y)
}

// linearForward writes z = x·W, without the bias.
func (o *denseOp) linearForward(b Backend, n int, x, z Buffer) {
	in, out := o.l.in, o.l.out
	b.Gemm(false, false, n, out, in, 1, x, in, o.l.kernel.W, out, 0, z, out)
}
func (o *denseOp) backward(b Backend, n int, x, y, dy, dx Buffer) {
	o.linearBackward(b, n, x, o.act.backward(b, n, o.l.out, y, dy, o.l.bias.G), dx)
}
func (o *denseOp) bias() (*biasAct, *Param) { return &o.act, o.l.bias }
func (o *denseOp) linearBackward(b Backend, n int, x, dz, dx Buffer) {
	in, out := o.l.in, o.l.out
	b.Gemm(true, false, in, out, n, 1, x, in, dz, out, 0, o.l.kernel.G, out)
	if dx != nil {
		b.Gemm(false, true, n, in, out, 1, dz, out, o.l.kernel.W, out, 0, dx, in)
	}
}

type poolOp struct {
	p   PoolParams
	out Shape
}

func (o *poolOp) outShape() Shape                            { return o.out }
func (o *poolOp) setup(func(int) (Buffer, error), int) error { return nil }
func (o *poolOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	b.MaxPoolForward(o.p.WithBatch(n), x, y)
}
func (o *poolOp) backward(b Backend, n int, x, y, dy, dx Buffer) {
	if dx != nil {
		b.MaxPoolBackward(o.p.WithBatch(n), x, y, dy, dx)
	}
}

type copyOp struct{ out Shape }

func (o *copyOp) outShape() Shape                            { return o.out }
func (o *copyOp) setup(func(int) (Buffer, error), int) error { return nil }
func (o *copyOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	m := n * o.out.Size()
	b.Copy(y.Slice(0, m), x.Slice(0, m))
}
func (o *copyOp) backward(b Backend, n int, _, _, dy, dx Buffer) {
	if dx != nil {
		m := n * o.out.Size()
		b.Copy(dx.Slice(0, m), dy.Slice(0, m))
	}
}

type actOp struct {
	f     Activation
	alpha float32
	out   Shape
}

func (o *actOp) outShape() Shape                            { return o.out }
func (o *actOp) setup(func(int) (Buffer, error), int) error { return nil }
func (o *actOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	b.ActivationForward(o.f, o.alpha, n*o.out.Size(), x, y)
}
func (o *actOp) backward(b Backend, n int, x, y, dy, dx Buffer) {
	if dx != nil {
		b.ActivationBackward(o.f, o.alpha, n*o.out.Size(), x, y, dy, dx)
	}
}

type softmaxOp struct{ out Shape }

func (o *softmaxOp) outShape() Shape                            { return o.out }
func (o *softmaxOp) setup(func(int) (Buffer, error), int) error { return nil }
func (o *softmaxOp) forward(b Backend, n int, x, y Buffer, _ *runCtx) {
	b.SoftmaxForward(n, o.out.Size(), x, y)
}
func (o *softmaxOp) backward(b Backend, n int, _, y, dy, dx Buffer) {
	if dx != nil {
		b.SoftmaxBackward(n, o.out.Size(), y, dy, dx)
	}
}

type dropoutOp struct {
	l    *Dropout
	mask Buffer
}

func (o *dropoutOp) outShape() Shape { return o.l.out }
func (o *dropoutOp) setup(alloc func(n int) (Buffer, error), maxBatch int) error {
	var err error
	o.mask, err = alloc(maxBatch * o.l.out.Size())
	return err
}
func (o *dropoutOp) forward(b Backend, n int, x, y Buffer, c *runCtx) {
	m := n * o.l.out.Size()
	if !c.training || o.l.Rate == 0 {
		b.Copy(y.Slice(0, m), x.Slice(0, m))
		b.Fill(o.mask, 1)
		return
	}
	// Counters never repeat: each step owns maxBatch·size consecutive values.
	stride := uint64(c.maxBatch * o.l.out.Size())
	if c.clock != nil {
		DropoutForwardAt(b, m, o.l.Rate, o.l.seed, stride, c.clock, x, y, o.mask)
		return
	}
	b.DropoutForward(m, o.l.Rate, o.l.seed, c.step*stride, x, y, o.mask)
}
func (o *dropoutOp) backward(b Backend, n int, _, _, dy, dx Buffer) {
	if dx != nil {
		b.Mul(n*o.l.out.Size(), dy, o.mask, dx)
	}
}
