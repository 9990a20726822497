package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Model is a Keras Sequential model. Build it with NewSequential or
// ModelSpec.Build, then Compile it on a Backend before running it.
type Model struct {
	Name   string
	Input  Shape
	Layers []Layer

	shapes []Shape // output shape of each layer
	params []*Param
	nParam int

	// Set by Compile.
	be       Backend
	maxBatch int
	ops      []op
	acts     []Buffer // acts[0] is the input, acts[i+1] the output of ops[i]
	grads    []Buffer // grads[i] = ∂loss/∂acts[i]
	weights  Buffer   // every parameter, one allocation
	wgrads   Buffer   // every gradient, one allocation
	loss     Loss
	fused    bool // the last op is a softmax fused into the loss
	firstP   int  // index of the first op with parameters: no gradient flows below it
	perLoss  Buffer
	correct  Buffer
	metrics  Buffer // MetricsLen values: [Σ loss, Σ correct, the record of the first non-finite step]
	target   Buffer
	ctx      runCtx
	owned    []Buffer // every buffer Compile allocated, for Free

	// lossBias, when set, is the Dense op below the softmax fused into the
	// loss, whose bias and bias gradient the loss's call takes in a
	// training step (BiasLossMetricsFuser, lossBiasK).
	lossBias  *denseOp
	lossBiasK BiasLossMetricsFuser
	// tracksFinite: the training loss's kernel keeps the record of
	// metrics[MetricFiniteSteps] (nonfinite.go).
	tracksFinite bool
}

// Free returns the buffers of a compiled model to its backend (before the
// backend is closed; a study trains many models in one process). The model
// must be compiled again before it is used.
func (m *Model) Free() {
	for _, b := range m.owned {
		m.be.Free(b)
	}
	m.owned = nil
}

// kerasNames are the Keras auto-name prefixes.
var kerasNames = map[string]string{
	"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "Flatten": "flatten",
	"Dense": "dense", "Activation": "activation", "Dropout": "dropout", "LeakyReLU": "leaky_re_lu",
}

// NewSequential builds a model on an input shape (one sample, no batch
// axis). Unnamed layers get Keras 2's auto-names: conv2d_1, dense_2, ...
func NewSequential(input Shape, layers ...Layer) (*Model, error) {
	m := &Model{Name: "sequential", Input: input, Layers: layers}
	count := map[string]int{}
	seen := map[string]bool{}
	in := input
	for i, l := range layers {
		if l.Name() == "" {
			prefix := kerasNames[l.Kind()]
			count[prefix]++
			l.SetName(fmt.Sprintf("%s_%d", prefix, count[prefix]))
		}
		if seen[l.Name()] {
			return nil, fmt.Errorf("layer %d: duplicate layer name %q", i+1, l.Name())
		}
		seen[l.Name()] = true
		out, err := l.build(in)
		if err != nil {
			return nil, err
		}
		m.shapes = append(m.shapes, out)
		for _, p := range l.params() {
			p.offset = m.nParam
			m.nParam += p.Size()
			m.params = append(m.params, p)
		}
		in = out
	}
	return m, nil
}

// OutputShape is the shape of one prediction.
func (m *Model) OutputShape() Shape { return m.shapes[len(m.shapes)-1] }

// EndsInSoftmax reports whether the model's last operation is a softmax,
// which categorical cross-entropy needs (Compile refuses it otherwise).
func (m *Model) EndsInSoftmax() bool {
	var last op
	for _, l := range m.Layers {
		if ops := l.ops(); len(ops) > 0 {
			last = ops[len(ops)-1]
		}
	}
	_, ok := last.(*softmaxOp)
	return ok
}

// NumParams is the number of trainable values.
func (m *Model) NumParams() int { return m.nParam }

// Backend returns the backend the model was compiled on (nil before).
func (m *Model) Backend() Backend { return m.be }

// MaxBatch is the largest batch the compiled model accepts.
func (m *Model) MaxBatch() int { return m.maxBatch }

// Compile allocates every buffer for batches of up to maxBatch samples: one
// arena for the weights, one for their gradients, one buffer per activation.
// Nothing is allocated afterwards. The weights are zero until Init or
// SetWeights.
func (m *Model) Compile(b Backend, loss Loss, maxBatch int) error {
	if maxBatch < 1 {
		return fmt.Errorf("compile: batch size must be positive, got %d", maxBatch)
	}
	m.Free() // a model compiled again lets go of its earlier buffers
	m.be, m.maxBatch, m.loss = b, maxBatch, loss
	m.ops = m.ops[:0]
	m.firstP = -1
	for _, l := range m.Layers {
		if m.firstP < 0 && len(l.params()) > 0 {
			m.firstP = len(m.ops)
		}
		m.ops = append(m.ops, l.ops()...)
	}
	if m.firstP < 0 {
		m.firstP = len(m.ops) // nothing to train
	}
	if k, ok := b.(ConvPoolFuser); ok {
		// Fusing merges ops at or above firstP: the indices below stay.
		m.ops = fuseConvPools(k, m.ops)
	}
	_, lastIsSoftmax := m.ops[len(m.ops)-1].(*softmaxOp)
	switch loss {
	case CategoricalCrossEntropy:
		if !lastIsSoftmax {
			return fmt.Errorf("compile: categorical_crossentropy needs a softmax output (the last layer's activation)")
		}
		m.fused = true
	case BinaryCrossEntropyLoss:
		m.fused = false
	default:
		return fmt.Errorf("compile: unknown loss %v", loss)
	}
	m.lossBias, m.lossBiasK = nil, nil
	if k, ok := b.(BiasLossMetricsFuser); ok && m.fused && len(m.ops) >= 2 {
		if d, ok := m.ops[len(m.ops)-2].(*denseOp); ok && d.act.f == Linear {
			m.lossBias, m.lossBiasK = d, k
		}
	}
	alloc := func(n int) (Buffer, error) {
		buf, err := b.Alloc(n)
		if err == nil {
			m.owned = append(m.owned, buf)
		}
		return buf, err
	}
	var err error
	if m.weights, err = alloc(max(m.nParam, 1)); err != nil {
		return err
	}
	if m.wgrads, err = alloc(max(m.nParam, 1)); err != nil {
		return err
	}
	for _, p := range m.params {
		p.W = m.weights.Slice(p.offset, p.Size())
		p.G = m.wgrads.Slice(p.offset, p.Size())
	}
	size := m.Input.Size()
	m.acts, m.grads = nil, nil
	for i := 0; i <= len(m.ops); i++ {
		a, err := alloc(maxBatch * size)
		if err != nil {
			return err
		}
		g, err := alloc(maxBatch * size)
		if err != nil {
			return err
		}
		m.acts, m.grads = append(m.acts, a), append(m.grads, g)
		if i < len(m.ops) {
			if err := m.ops[i].setup(alloc, maxBatch); err != nil {
				return err
			}
			size = m.ops[i].outShape().Size()
		}
	}
	classes := m.OutputShape().Size()
	for _, dst := range []*Buffer{&m.perLoss, &m.correct} {
		if *dst, err = alloc(maxBatch); err != nil {
			return err
		}
	}
	_, fuser := b.(LossMetricsFuser)
	_, adder := b.(MetricsAdder)
	m.tracksFinite = m.lossBias != nil || (m.fused && fuser) || adder
	if m.metrics, err = alloc(MetricsLen); err != nil {
		return err
	}
	if m.target, err = alloc(maxBatch * classes); err != nil {
		return err
	}
	m.ctx.maxBatch = maxBatch
	return nil
}

// Init draws fresh weights as Keras 2 does (glorot_uniform kernels, zero
// biases) from a generator seeded by seed. Values are drawn in Keras layout,
// layer by layer, so the same seed gives the same model on every device.
func (m *Model) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x6d6e69737467707))
	host := make([]float32, m.nParam)
	for _, p := range m.params {
		k := make([]float32, p.Size())
		p.initKeras(r, k)
		p.copyFromKeras(host[p.offset:p.offset+p.Size()], k)
	}
	m.be.CopyIn(m.weights, host)
	for i, l := range m.Layers {
		if d, ok := l.(*Dropout); ok {
			d.seed = Mix64(seed ^ uint64(i+1)*0x9e3779b97f4a7c15)
		}
	}
}

func (p *Param) copyFromKeras(dst, keras []float32) {
	if p.fromKeras == nil {
		copy(dst, keras)
	} else {
		p.fromKeras(dst, keras)
	}
}

func (p *Param) copyToKeras(dst, engine []float32) {
	if p.toKeras == nil {
		copy(dst, engine)
	} else {
		p.toKeras(dst, engine)
	}
}

// forward runs ops [0, upto) on n samples already in acts[0].
func (m *Model) forward(n, upto int) {
	for i := 0; i < upto; i++ {
		m.ops[i].forward(m.be, n, m.acts[i], m.acts[i+1], &m.ctx)
	}
}

// lossAndMetrics runs the network on n samples in acts[0] with targets in
// m.target, adds Σ loss and Σ correct to m.metrics, and leaves ∂loss/∂output
// (scaled by 1/n: the loss is the batch mean) in grads. It returns the index
// of the first op whose output gradient is ready.
func (m *Model) lossAndMetrics(n int) int {
	last := len(m.ops)
	classes := m.OutputShape().Size()
	scale := 1 / float32(n)
	if d := m.lossBias; d != nil && m.ctx.training {
		m.forward(n, last-2)
		d.linearForward(m.be, n, m.acts[last-2], m.acts[last-1])
		m.lossBiasK.BiasSoftmaxCrossEntropyMetrics(n, classes, scale, m.acts[last-1], d.l.bias.W, m.target, m.acts[last],
			m.grads[last-1], m.perLoss, m.correct, m.metrics, d.l.bias.G)
		return last - 1
	}
	if m.fused {
		m.forward(n, last-1)
		SoftmaxCrossEntropyMetrics(m.be, n, classes, scale, m.acts[last-1], m.target, m.acts[last], m.grads[last-1],
			m.perLoss, m.correct, m.metrics)
		return last - 1
	}
	m.forward(n, last)
	m.be.BinaryCrossEntropy(n, classes, scale, m.acts[len(m.ops)], m.target, m.grads[last], m.perLoss)
	m.be.Accuracy(n, classes, m.acts[len(m.ops)], m.target, m.correct)
	AddMetrics(m.be, n, m.perLoss, m.correct, m.metrics)
	return last
}

// backward propagates from grads[from] down to the first op with
// parameters; gradients below it (the input's, a leading Flatten's) are
// never needed and never computed.
// In a training step on a backend with BiasLossMetricsFuser, the last
// Dense's bias gradient came with the loss (lossAndMetrics).
// A max pool over a Conv2D's activation hands its input gradient straight
// to that activation (poolBackwardFused): grads[i] of the pool is not written.
func (m *Model) backward(n, from int) {
	dx := func(i int) Buffer {
		if i > m.firstP {
			return m.grads[i]
		}
		return nil
	}
	for i := from - 1; i >= m.firstP; i-- {
		if i == len(m.ops)-2 && m.lossBias != nil && m.ctx.training { // its bias gradient came with the loss
			m.lossBias.linearBackward(m.be, n, m.acts[i], m.grads[i+1], dx(i))
			continue
		}
		if pool, ok := m.ops[i].(*poolOp); ok && i > m.firstP {
			if below, ok := m.ops[i-1].(biasedOp); ok &&
				poolBackwardFused(m.be, n, pool, below, m.acts[i-1], m.acts[i], m.acts[i+1], m.grads[i+1], dx(i-1)) {
				i--
				continue
			}
		}
		m.ops[i].backward(m.be, n, m.acts[i], m.acts[i+1], m.grads[i+1], dx(i))
	}
}

// loadBatch copies n samples from host memory into the input and target
// buffers: x is n × input size, t n × classes.
func (m *Model) loadBatch(x, t []float32, n int) {
	m.be.CopyIn(m.acts[0], x[:n*m.Input.Size()])
	m.be.CopyIn(m.target, t[:n*m.OutputShape().Size()])
}

// TrainStep runs one optimizer step on samples [off, off+n) of b's current
// pass and adds their loss and accuracy to the metrics.
func (m *Model) TrainStep(opt Optimizer, b Batches, off, n int) {
	m.checkBatch(n)
	b.load(m, off, n)
	m.ctx.training = true
	m.backward(n, m.lossAndMetrics(n))
	opt.Step(m.be, m.weights, m.wgrads, m.nParam)
	m.ctx.step++
}

// clockedStep queues a training step of n samples whose per-step values
// come from the step clock (see ClockStep): the pass's next batch of b
// (batches of batch samples), dropout's counters, the optimizer's step and
// rate. It is what the trainer captures; it changes nothing on the host
// (Steps and the optimizer's Iterations are the caller's to advance).
func (m *Model) clockedStep(opt clockedOptimizer, b *ResidentSet, clock Buffer, batch, n int) {
	m.checkBatch(n)
	b.loadAt(m, clock, batch, n)
	m.ctx.training, m.ctx.clock = true, clock
	m.backward(n, m.lossAndMetrics(n))
	m.ctx.clock = nil
	opt.stepAt(m.be, clock, m.weights, m.wgrads, m.nParam)
}

// evalStep adds the loss and accuracy of samples [off, off+n) of b's current
// pass, in inference mode, to the metrics.
func (m *Model) evalStep(b Batches, off, n int) {
	m.checkBatch(n)
	b.load(m, off, n)
	m.ctx.training = false
	m.lossAndMetrics(n)
}

// Predict writes the model's outputs for n samples (inference mode) into out.
func (m *Model) Predict(x []float32, n int, out []float32) {
	m.checkBatch(n)
	m.be.CopyIn(m.acts[0], x[:n*m.Input.Size()])
	m.ctx.training = false
	m.forward(n, len(m.ops))
	m.be.CopyOut(out[:n*m.OutputShape().Size()], m.acts[len(m.ops)])
}

func (m *Model) checkBatch(n int) {
	if m.be == nil {
		panic("engine: model used before Compile")
	}
	if n < 1 || n > m.maxBatch {
		panic(fmt.Sprintf("engine: batch of %d samples, compiled for 1..%d", n, m.maxBatch))
	}
}

// ResetMetrics zeroes the accumulated loss and accuracy sums and the record
// of the first non-finite step.
func (m *Model) ResetMetrics() { m.be.Fill(m.metrics, 0) }

// Metrics returns the accumulated Σ loss and Σ correct (synchronises).
func (m *Model) Metrics() (lossSum, correctSum float64) {
	var v [2]float32
	m.be.CopyOut(v[:], m.metrics.Slice(MetricLoss, 2))
	return float64(v[0]), float64(v[1])
}

// Steps is the number of optimizer steps taken.
func (m *Model) Steps() uint64 { return m.ctx.step }

// SetSteps sets the optimizer step counter (used when resuming).
func (m *Model) SetSteps(s uint64) { m.ctx.step = s }

// Params lists the trainable tensors in layer order.
func (m *Model) Params() []*Param { return m.params }

// paramName is the weight-file name of p: "<layer>.kernel" or "<layer>.bias".
func (m *Model) paramName(p *Param) string {
	if l := m.ParamLayer(p); l != nil {
		return l.Name() + "." + p.Name
	}
	return p.Name
}

// Summary is Keras's model.summary() table.
func (m *Model) Summary() string {
	var b strings.Builder
	line := strings.Repeat("_", 69)
	fmt.Fprintf(&b, "Model: %q\n%s\n", m.Name, line)
	fmt.Fprintf(&b, " %-33s%-26s%-10s\n%s\n", "Layer (type)", "Output Shape", "Param #", strings.Repeat("=", 69))
	for i, l := range m.Layers {
		n := 0
		for _, p := range l.params() {
			n += p.Size()
		}
		fmt.Fprintf(&b, " %-33s%-26s%-10d\n", fmt.Sprintf("%s (%s)", l.Name(), l.Kind()), m.shapes[i].String(), n)
		if i < len(m.Layers)-1 {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "%s\n", strings.Repeat("=", 69))
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: 0\n%s\n",
		commas(m.nParam), commas(m.nParam), line)
	return b.String()
}

// commas formats n with thousands separators: 421642 → "421,642".
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ParamLayer returns the layer that owns p (nil if none).
func (m *Model) ParamLayer(p *Param) Layer {
	for _, l := range m.Layers {
		for _, q := range l.params() {
			if q == p {
				return l
			}
		}
	}
	return nil
}

// FLOPs returns the floating-point operations per sample of a forward pass
// and of a training step (forward, gradient of the input of every layer but
// the first, and gradient of every weight), counting a multiply-add as two
// and only the convolutions and dense layers.
func (m *Model) FLOPs() (forward, training float64) {
	first := true
	for i, l := range m.Layers {
		var f float64
		switch l := l.(type) {
		case *Conv2D:
			f = 2 * float64(m.shapes[i].Size()) * float64(l.KernelH*l.KernelW*l.in[2])
		case *Dense:
			f = 2 * float64(l.in) * float64(l.out)
		default:
			continue
		}
		forward += f
		training += 2 * f // forward and the weight gradient
		if !first {
			training += f // the input gradient
		}
		first = false
	}
	return forward, training
}

// NonFiniteLayer names the first parameter ("<layer>.kernel") holding a NaN
// or infinite value, or "" if every weight is finite.
func (m *Model) NonFiniteLayer() string {
	w := m.HostWeights()
	for _, p := range m.params {
		for _, v := range w[p.offset : p.offset+p.Size()] {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				return m.paramName(p)
			}
		}
	}
	return ""
}
