package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// SyntheticDigits is a learnable stand-in for MNIST: noise plus a bright
// bar whose position is the class.
func SyntheticDigits(n int, seed uint64) engine.Dataset {
	r := rand.New(rand.NewPCG(seed, 99))
	d := engine.Dataset{Images: make([]uint8, n*784), Labels: make([]uint8, n), Shape: engine.Shape{28, 28, 1}, Classes: 10}
	for i := 0; i < n; i++ {
		c := r.IntN(10)
		d.Labels[i] = uint8(c)
		img := d.Images[i*784 : (i+1)*784]
		for j := range img {
			img[j] = uint8(1 + r.IntN(60))
		}
		row := 2 + 2*c + r.IntN(2)
		for x := 4 + r.IntN(4); x < 24; x++ {
			img[row*28+x] = uint8(180 + r.IntN(75))
		}
	}
	return d
}

// compare checks got against want element-wise with atol + rtol·|want|.
func compare(op, shape string, got, want []float32, atol, rtol float64) Result {
	r := Result{Op: op, Shape: shape, Pass: len(got) == len(want)}
	if !r.Pass {
		r.Detail = fmt.Sprintf("%d values, want %d", len(got), len(want))
		return r
	}
	worst := -1.0
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		tol := atol + rtol*math.Abs(w)
		e := math.Abs(g - w)
		if math.IsNaN(g) || math.IsNaN(w) {
			e = math.Inf(1)
		}
		if e/tol > worst {
			worst, r.MaxErr, r.Tol = e/tol, e, tol
		}
		if e > tol && r.Pass {
			r.Pass, r.Detail = false, fmt.Sprintf("element %d: got %v, reference %v", i, g, w)
		}
	}
	return r
}

func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

type pair struct{ ref, b *engine.Model }

func newPair(spec engine.ModelSpec, ref, b engine.Backend, batch int, seed uint64) (pair, error) {
	var p pair
	for i, be := range []engine.Backend{ref, b} {
		m, err := spec.Build()
		if err != nil {
			return p, err
		}
		if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
			return p, err
		}
		m.Init(seed)
		if i == 0 {
			p.ref = m
		} else {
			p.b = m
		}
	}
	return p, nil
}

// ParityResults trains the same models with the same initial weights on the
// same batches on ref and b, and compares logits, loss, every gradient, the
// weights after Adam and SGD steps, and the loss over 200 training steps;
// it returns one Result per comparison.
func ParityResults(ref, b engine.Backend) []Result {
	var out []Result
	fail := func(op string, err error) []Result {
		return append(out, Result{Op: op, Shape: "setup", Detail: err.Error()})
	}
	const batch = 8
	data := SyntheticDigits(batch*210, 5)
	x := make([]float32, batch*784)
	t := make([]float32, batch*10)
	idx := make([]int, batch)
	load := func(step int) {
		for i := range idx {
			idx[i] = (step*batch + i) % data.Len()
		}
		data.Gather(idx, x, t)
	}
	// The report's CNN: logits, loss and every gradient of one step.
	p, err := newPair(engine.Presets["cnn"], ref, b, batch, 3)
	if err != nil {
		return fail("cnn", err)
	}
	load(0)
	lr, lb := make([]float32, batch*10), make([]float32, batch*10)
	p.ref.Predict(x, batch, lr)
	p.b.Predict(x, batch, lb)
	out = append(out, compare("logits(softmax)", "cnn batch 8", lb, lr, 1e-6, 1e-4))
	var losses [2]float32
	for i, m := range []*engine.Model{p.ref, p.b} {
		m.ResetMetrics()
		m.TrainStep(&engine.SGD{LR: 0}, engine.HostBatch{X: x, T: t}, 0, batch)
		l, _ := m.Metrics()
		losses[i] = float32(l / batch)
	}
	out = append(out, compare("loss", "cnn batch 8", losses[1:], losses[:1], 1e-6, 1e-5))
	gr, gb := p.ref.HostGradients(), p.b.HostGradients()
	off := 0
	for _, prm := range p.ref.Params() {
		n := prm.Size()
		name := p.ref.ParamLayer(prm).Name() + "." + prm.Name
		want := gr[off : off+n]
		out = append(out, compare("gradient "+name, fmt.Sprint(prm.Shape), gb[off:off+n], want, 1e-4*maxAbs(want)+1e-9, 1e-3))
		off += n
	}
	// Weights after 3 Adam and after 3 SGD-with-momentum steps.
	for _, o := range []struct {
		name string
		mk   func() engine.Optimizer
	}{
		{"adam lr=0.001", func() engine.Optimizer { return engine.NewAdam(0.001) }},
		{"sgd lr=0.01 momentum=0.9", func() engine.Optimizer { return engine.NewSGD(0.01, 0.9, false) }},
	} {
		p, err := newPair(engine.Presets["cnn"], ref, b, batch, 4)
		if err != nil {
			return fail("cnn", err)
		}
		or, ob := o.mk(), o.mk()
		for s := 0; s < 3; s++ {
			load(s + 1)
			p.ref.TrainStep(or, engine.HostBatch{X: x, T: t}, 0, batch)
			p.b.TrainStep(ob, engine.HostBatch{X: x, T: t}, 0, batch)
		}
		out = append(out, compare("weights after 3 steps", "cnn "+o.name, p.b.HostWeights(), p.ref.HostWeights(), 2e-5, 1e-4))
	}
	// Loss trajectory of a small CNN with dropout and sigmoid over 200 Adam steps.
	small := engine.ModelSpec{InputShape: []int{28, 28, 1}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 4, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
		{Type: "MaxPooling2D"},
		{Type: "Flatten"},
		{Type: "Dropout", Rate: 0.25},
		{Type: "Dense", Units: 16, Activation: "sigmoid"},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}}
	p, err = newPair(small, ref, b, batch, 6)
	if err != nil {
		return fail("trajectory", err)
	}
	or, ob := engine.NewAdam(0.003), engine.NewAdam(0.003)
	var traj [2][]float32
	for s := 0; s < 200; s++ {
		load(s)
		for i, m := range []*engine.Model{p.ref, p.b} {
			o := or
			if i == 1 {
				o = ob
			}
			m.ResetMetrics()
			m.TrainStep(o, engine.HostBatch{X: x, T: t}, 0, batch)
			l, _ := m.Metrics()
			traj[i] = append(traj[i], float32(l/batch))
		}
	}
	out = append(out, compare("loss trajectory", "small cnn+dropout, 200 adam steps", traj[1], traj[0], 1e-3, 1e-2))
	first, last := traj[0][0], traj[0][len(traj[0])-1]
	out = append(out, Result{Op: "training learns", Shape: fmt.Sprintf("loss %.3f → %.3f", first, last), Pass: last < first/2,
		Detail: "the reference loss did not halve; the trajectory check would be vacuous"})
	return out
}
