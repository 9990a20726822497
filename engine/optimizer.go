package engine

import (
	"fmt"
	"math"
)

// Optimizer updates the weight arena from the gradient arena.
type Optimizer interface {
	Name() string
	// Step applies one update to n values. The first call allocates the
	// optimizer's slots on b.
	Step(b Backend, w, g Buffer, n int)
	// LearningRate and SetLearningRate read and change the base rate.
	LearningRate() float64
	SetLearningRate(float64)
	// Iterations is the number of steps taken.
	Iterations() int64
}

// SGD is keras.optimizers.SGD: lr 0.01 by default, optional (Nesterov) momentum.
type SGD struct {
	LR       float64
	Momentum float64
	Nesterov bool

	velocity Buffer
	iters    int64
}

// NewSGD returns SGD with Keras's defaults for zero arguments.
func NewSGD(lr, momentum float64, nesterov bool) *SGD {
	if lr == 0 {
		lr = 0.01
	}
	return &SGD{LR: lr, Momentum: momentum, Nesterov: nesterov}
}

func (o *SGD) Name() string              { return "sgd" }
func (o *SGD) LearningRate() float64     { return o.LR }
func (o *SGD) SetLearningRate(v float64) { o.LR = v }
func (o *SGD) Iterations() int64         { return o.iters }

func (o *SGD) Step(b Backend, w, g Buffer, n int) {
	if o.velocity == nil && o.Momentum != 0 {
		o.velocity = mustAllocZero(b, n)
	}
	b.SGDStep(n, float32(o.LR), float32(o.Momentum), o.Nesterov, w, g, o.velocity)
	o.iters++
}

// Adam is Keras 2's Adam (lr 0.001, β1 0.9, β2 0.999, ε 1e-7 by default):
// lr_t = lr·√(1-β2ᵗ)/(1-β1ᵗ) and w -= lr_t·m/(√v + ε), with lr_t computed in
// float32 as TensorFlow does. PyTorch's form, ε added to √v̂, differs.
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64

	m, v  Buffer
	iters int64
}

// NewAdam returns Adam with Keras's defaults for zero arguments.
func NewAdam(lr float64) *Adam {
	if lr == 0 {
		lr = 0.001
	}
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

func (o *Adam) Name() string              { return "adam" }
func (o *Adam) LearningRate() float64     { return o.LR }
func (o *Adam) SetLearningRate(v float64) { o.LR = v }
func (o *Adam) Iterations() int64         { return o.iters }

// LRT is the bias-corrected step size for step t (1-based), in float32.
func (o *Adam) LRT(t int64) float32 {
	b1p := float32(math.Pow(float64(float32(o.Beta1)), float64(t)))
	b2p := float32(math.Pow(float64(float32(o.Beta2)), float64(t)))
	return float32(o.LR) * (float32(math.Sqrt(float64(1-b2p))) / (1 - b1p))
}

func (o *Adam) Step(b Backend, w, g Buffer, n int) {
	if o.m == nil {
		o.m, o.v = mustAllocZero(b, n), mustAllocZero(b, n)
	}
	o.iters++
	b.AdamStep(n, o.LRT(o.iters), float32(o.Beta1), float32(o.Beta2), float32(o.Epsilon), w, g, o.m, o.v)
}

// NewOptimizer makes an optimizer by Keras name; lr 0 means its default.
func NewOptimizer(name string, lr, momentum float64, nesterov bool) (Optimizer, error) {
	if lr < 0 || math.IsNaN(lr) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("learning rate must be a positive number, got %g", lr)
	}
	switch name {
	case "sgd":
		if momentum < 0 || momentum >= 1 {
			return nil, fmt.Errorf("momentum must be in [0, 1), got %g", momentum)
		}
		return NewSGD(lr, momentum, nesterov), nil
	case "adam":
		return NewAdam(lr), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q (want sgd or adam)", name)
}

func mustAllocZero(b Backend, n int) Buffer {
	buf, err := b.Alloc(n)
	if err != nil {
		panic(fmt.Sprintf("engine: optimizer state of %d values: %v", n, err))
	}
	b.Fill(buf, 0)
	return buf
}
