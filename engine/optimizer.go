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

func (o *SGD) ready() bool { return o.velocity != nil || o.Momentum == 0 }
func (o *SGD) stepAt(b Backend, clock, w, g Buffer, n int) {
	SGDStepAt(b, n, float32(o.Momentum), o.Nesterov, clock, w, g, o.velocity)
}
func (o *SGD) countStep() { o.iters++ }

// clocked returns opt as a clockedOptimizer when its whole step reads the
// clock: SGD and Adam (not AdamW, whose decay takes the rate as an argument).
func clocked(opt Optimizer) (clockedOptimizer, bool) {
	switch o := opt.(type) {
	case *SGD:
		return o, true
	case *Adam:
		return o, true
	}
	return nil, false
}

// SGD's resume state (StatefulOptimizer).

func (o *SGD) ExportState(b Backend) OptimizerState {
	return OptimizerState{Name: o.Name(), LR: o.LR, Iterations: o.iters, Slots: exportSlots(b, map[string]Buffer{"velocity": o.velocity})}
}
func (o *SGD) ImportState(b Backend, n int, s OptimizerState) error {
	if err := checkName(o.Name(), s); err != nil {
		return err
	}
	o.LR, o.iters = s.LR, s.Iterations
	return importSlot(b, n, s, "velocity", &o.velocity)
}

// clockedOptimizer is an optimizer whose step can read its per-step values
// from a step clock (the kernels ...At of Backend), so that the trainer can
// replay it in a captured graph. SGD and Adam are; the others run eagerly.
type clockedOptimizer interface {
	Optimizer
	// ready reports whether the slots exist (Step has run once): a
	// capture must not allocate them.
	ready() bool
	// stepAt queues the update with the rate at clock[ClockLR] and step
	// clock[ClockStep]+1, and advances clock[ClockStep]. Iterations is
	// left alone: countStep adds each step run on the device.
	stepAt(b Backend, clock, w, g Buffer, n int)
	countStep()
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
	return AdamLRT(float32(o.LR), float32(o.Beta1), float32(o.Beta2), t)
}

// AdamLRT is Adam's bias-corrected step size lr·√(1-β2ᵗ)/(1-β1ᵗ) for step t
// (1-based) as TensorFlow computes it in float32: βᵗ is math.Pow in float64
// rounded to float32, the square root in float64 rounded to float32. The
// device's AdamStepAt repeats these operations (math.Pow's repeated
// squaring included), so it gets the same bits.
func AdamLRT(lr, beta1, beta2 float32, t int64) float32 {
	b1p := float32(math.Pow(float64(beta1), float64(t)))
	b2p := float32(math.Pow(float64(beta2), float64(t)))
	return lr * (float32(math.Sqrt(float64(1-b2p))) / (1 - b1p))
}

func (o *Adam) Step(b Backend, w, g Buffer, n int) {
	if o.m == nil {
		o.m, o.v = mustAllocZero(b, n), mustAllocZero(b, n)
	}
	o.iters++
	b.AdamStep(n, o.LRT(o.iters), float32(o.Beta1), float32(o.Beta2), float32(o.Epsilon), w, g, o.m, o.v)
}

func (o *Adam) ready() bool { return o.m != nil }
func (o *Adam) stepAt(b Backend, clock, w, g Buffer, n int) {
	AdamStepAt(b, n, float32(o.Beta1), float32(o.Beta2), float32(o.Epsilon), clock, w, g, o.m, o.v)
}
func (o *Adam) countStep() { o.iters++ }

// RMSprop is Keras's RMSprop without momentum (lr 0.001, ρ 0.9, ε 1e-7):
// ms = ρ·ms + (1-ρ)·g²; w -= lr·g/(√ms + ε).
type RMSprop struct {
	LR, Rho, Epsilon float64

	ms    Buffer
	iters int64
}

// Adam's resume state (StatefulOptimizer).

func (o *Adam) ExportState(b Backend) OptimizerState {
	return OptimizerState{Name: o.Name(), LR: o.LR, Iterations: o.iters, Slots: exportSlots(b, map[string]Buffer{"m": o.m, "v": o.v})}
}
func (o *Adam) ImportState(b Backend, n int, s OptimizerState) error {
	if err := checkName(o.Name(), s); err != nil {
		return err
	}
	o.LR, o.iters = s.LR, s.Iterations
	if err := importSlot(b, n, s, "m", &o.m); err != nil {
		return err
	}
	return importSlot(b, n, s, "v", &o.v)
}

func (o *RMSprop) Name() string              { return "rmsprop" }
func (o *RMSprop) LearningRate() float64     { return o.LR }
func (o *RMSprop) SetLearningRate(v float64) { o.LR = v }
func (o *RMSprop) Iterations() int64         { return o.iters }
func (o *RMSprop) Step(b Backend, w, g Buffer, n int) {
	if o.ms == nil {
		o.ms = mustAllocZero(b, n)
	}
	b.RMSpropStep(n, float32(o.LR), float32(o.Rho), float32(o.Epsilon), w, g, o.ms)
	o.iters++
}

// RMSprop's resume state (StatefulOptimizer).

func (o *RMSprop) ExportState(b Backend) OptimizerState {
	return OptimizerState{Name: o.Name(), LR: o.LR, Iterations: o.iters, Slots: exportSlots(b, map[string]Buffer{"ms": o.ms})}
}
func (o *RMSprop) ImportState(b Backend, n int, s OptimizerState) error {
	if err := checkName(o.Name(), s); err != nil {
		return err
	}
	o.LR, o.iters = s.LR, s.Iterations
	return importSlot(b, n, s, "ms", &o.ms)
}

// Adagrad is tf.keras's Adagrad (lr 0.001, initial accumulator 0.1, ε 1e-7):
// acc += g²; w -= lr·g/(√acc + ε). Keras 2.2 and 2.3 start at lr 0.01 with
// the accumulator at 0 (docs/keras.md).
type Adagrad struct {
	LR, InitialAccumulator, Epsilon float64

	acc   Buffer
	iters int64
}

func (o *Adagrad) Name() string              { return "adagrad" }
func (o *Adagrad) LearningRate() float64     { return o.LR }
func (o *Adagrad) SetLearningRate(v float64) { o.LR = v }
func (o *Adagrad) Iterations() int64         { return o.iters }
func (o *Adagrad) Step(b Backend, w, g Buffer, n int) {
	if o.acc == nil {
		o.acc = mustAllocZero(b, n)
		b.Fill(o.acc, float32(o.InitialAccumulator))
	}
	b.AdagradStep(n, float32(o.LR), float32(o.Epsilon), w, g, o.acc)
	o.iters++
}

// Adagrad's resume state (StatefulOptimizer).

func (o *Adagrad) ExportState(b Backend) OptimizerState {
	return OptimizerState{Name: o.Name(), LR: o.LR, Iterations: o.iters, Slots: exportSlots(b, map[string]Buffer{"acc": o.acc})}
}
func (o *Adagrad) ImportState(b Backend, n int, s OptimizerState) error {
	if err := checkName(o.Name(), s); err != nil {
		return err
	}
	o.LR, o.iters = s.LR, s.Iterations
	return importSlot(b, n, s, "acc", &o.acc)
}

// AdamW is Keras's AdamW (weight_decay 0.004 by default): before each Adam
// step, w -= w·(lr·weight_decay), decoupled from the gradient. Biases decay
// too, as in Keras unless they are excluded by name.
type AdamW struct {
	Adam
	WeightDecay float64
}

func (o *AdamW) Name() string { return "adamw" }
func (o *AdamW) Step(b Backend, w, g Buffer, n int) {
	b.WeightDecay(n, float32(o.LR)*float32(o.WeightDecay), w)
	o.Adam.Step(b, w, g, n)
}

// AdamW's resume state (StatefulOptimizer).

func (o *AdamW) ExportState(b Backend) OptimizerState {
	s := o.Adam.ExportState(b)
	s.Name = o.Name()
	return s
}
func (o *AdamW) ImportState(b Backend, n int, s OptimizerState) error {
	if err := checkName(o.Name(), s); err != nil {
		return err
	}
	s.Name = o.Adam.Name()
	return o.Adam.ImportState(b, n, s)
}

// OptimizerConfig holds an optimizer's hyper-parameters as they are used:
// no zero stands for a default (KerasDefaults gives those). Momentum and
// Nesterov are SGD's, WeightDecay AdamW's, Epsilon that of Adam, AdamW,
// RMSprop and Adagrad; Uses says which an optimizer reads.
type OptimizerConfig struct {
	Name        string
	LR          float64
	Momentum    float64
	Nesterov    bool
	WeightDecay float64
	Epsilon     float64
}

// OptimizerParams says which optional hyper-parameters an optimizer reads.
type OptimizerParams struct{ Momentum, Nesterov, WeightDecay, Epsilon bool }

// OptimizerNames are the optimizers NewOptimizerFromConfig makes.
var OptimizerNames = []string{"adam", "sgd", "adamw", "rmsprop", "adagrad"}

// KerasDefaults is the optimizer name with Keras's default hyper-parameters
// (learning rate 0.001, SGD's 0.01; AdamW's weight decay 0.004; ε 1e-7;
// SGD's momentum 0) and which of them it reads.
func KerasDefaults(name string) (OptimizerConfig, OptimizerParams, error) {
	switch name {
	case "sgd":
		return OptimizerConfig{Name: name, LR: 0.01}, OptimizerParams{Momentum: true, Nesterov: true}, nil
	case "adam", "rmsprop", "adagrad":
		return OptimizerConfig{Name: name, LR: 0.001, Epsilon: 1e-7}, OptimizerParams{Epsilon: true}, nil
	case "adamw":
		return OptimizerConfig{Name: name, LR: 0.001, WeightDecay: 0.004, Epsilon: 1e-7}, OptimizerParams{WeightDecay: true, Epsilon: true}, nil
	}
	return OptimizerConfig{}, OptimizerParams{}, fmt.Errorf("unknown optimizer %q (want sgd, adam, adamw, rmsprop or adagrad)", name)
}

// NewOptimizerFromConfig makes the optimizer c names with c's values (start
// from KerasDefaults for Keras's).
func NewOptimizerFromConfig(c OptimizerConfig) (Optimizer, error) {
	_, uses, err := KerasDefaults(c.Name)
	if err != nil {
		return nil, err
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(c.LR > 0) || !finite(c.LR):
		return nil, fmt.Errorf("learning rate must be a positive number, got %g", c.LR)
	case uses.Momentum && !(c.Momentum >= 0 && c.Momentum < 1):
		return nil, fmt.Errorf("momentum must be in [0, 1), got %g", c.Momentum)
	case uses.WeightDecay && (!(c.WeightDecay >= 0) || !finite(c.WeightDecay)):
		return nil, fmt.Errorf("weight decay must not be negative, got %g", c.WeightDecay)
	case uses.Epsilon && (!(c.Epsilon > 0) || !finite(c.Epsilon)):
		return nil, fmt.Errorf("epsilon must be a positive number, got %g", c.Epsilon)
	}
	switch c.Name {
	case "sgd":
		return &SGD{LR: c.LR, Momentum: c.Momentum, Nesterov: c.Nesterov}, nil
	case "rmsprop":
		return &RMSprop{LR: c.LR, Rho: 0.9, Epsilon: c.Epsilon}, nil
	case "adagrad":
		return &Adagrad{LR: c.LR, InitialAccumulator: 0.1, Epsilon: c.Epsilon}, nil
	case "adamw":
		return &AdamW{Adam: Adam{LR: c.LR, Beta1: 0.9, Beta2: 0.999, Epsilon: c.Epsilon}, WeightDecay: c.WeightDecay}, nil
	}
	return &Adam{LR: c.LR, Beta1: 0.9, Beta2: 0.999, Epsilon: c.Epsilon}, nil
}

func mustAllocZero(b Backend, n int) Buffer {
	buf, err := b.Alloc(n)
	if err != nil {
		panic(fmt.Sprintf("engine: optimizer state of %d values: %v", n, err))
	}
	b.Fill(buf, 0)
	return buf
}
