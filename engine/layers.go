package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Layer is a Keras layer: a name, a config, an output shape and parameters.
// At run time a layer is a short list of ops (a Dense with activation='relu'
// is a dense op then a ReLU op), so a trailing softmax can fuse into the loss.
type Layer interface {
	// Kind is the Keras class name, e.g. "Conv2D".
	Kind() string
	Name() string
	SetName(string)
	// Spec is the layer's config as a model file writes it.
	Spec() LayerSpec
	build(in Shape) (Shape, error)
	params() []*Param
	ops() []op
}

// Param is one trainable tensor. Its Keras layout is what weight files hold;
// Shape is the engine layout on the device.
type Param struct {
	Name       string // "kernel" or "bias"
	Shape      []int  // engine layout
	KerasShape []int  // Keras layout
	// fromKeras permutes Keras-layout values into engine layout (nil: identity).
	fromKeras func(dst, src []float32)
	// toKeras is the inverse of fromKeras.
	toKeras func(dst, src []float32)
	fanIn   int
	fanOut  int
	glorot  bool // glorot_uniform when true, zeros otherwise

	W, G   Buffer // value and gradient, slices of the model's arenas
	offset int    // position in the arenas
}

// Size is the number of elements.
func (p *Param) Size() int { return Shape(p.Shape).Size() }

// initKeras fills v (Keras layout) as Keras 2 does: glorot_uniform kernels,
// U(-l, l) with l = √(6/(fan_in+fan_out)), and zero biases.
func (p *Param) initKeras(r *rand.Rand, v []float32) {
	if !p.glorot {
		clear(v)
		return
	}
	limit := math.Sqrt(6 / float64(p.fanIn+p.fanOut))
	for i := range v {
		v[i] = float32((r.Float64()*2 - 1) * limit)
	}
}

// base holds the name shared by all layers.
type base struct{ name string }

func (b *base) Name() string     { return b.name }
func (b *base) SetName(n string) { b.name = n }

// Conv2D is keras.layers.Conv2D with use_bias=True.
type Conv2D struct {
	base
	Filters          int
	KernelH, KernelW int
	StrideH, StrideW int
	Padding          Padding
	Activation       Activation
	Alpha            float32 // LeakyReLU slope

	in, out      Shape
	kernel, bias *Param
	conv         ConvParams // for batch 1; ops rescale N
}

func (l *Conv2D) Kind() string { return "Conv2D" }

func (l *Conv2D) Spec() LayerSpec {
	return LayerSpec{Type: "Conv2D", Name: l.name, Filters: l.Filters, KernelSize: []int{l.KernelH, l.KernelW},
		Strides: []int{l.StrideH, l.StrideW}, Padding: l.Padding.String(), Activation: l.Activation.String(), Alpha: l.Alpha}
}

func (l *Conv2D) build(in Shape) (Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%s: Conv2D needs an (H, W, C) input, got %v", l.name, in)
	}
	if l.StrideH == 0 {
		l.StrideH = 1
	}
	if l.StrideW == 0 {
		l.StrideW = 1
	}
	p, err := NewConvParams(1, in[0], in[1], in[2], l.Filters, l.KernelH, l.KernelW, l.StrideH, l.StrideW, l.Padding)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.name, err)
	}
	l.in, l.conv = in, p
	l.out = Shape{p.OH, p.OW, p.K}
	kh, kw, c, k := l.KernelH, l.KernelW, in[2], l.Filters
	l.kernel = &Param{Name: "kernel", Shape: []int{k, kh, kw, c}, KerasShape: []int{kh, kw, c, k},
		fanIn: kh * kw * c, fanOut: kh * kw * k, glorot: true,
		// Keras (kh,kw,c,k) ↔ engine (k,kh,kw,c): the kh·kw·c index q is shared.
		fromKeras: func(dst, src []float32) {
			q := kh * kw * c
			for i := 0; i < q; i++ {
				for o := 0; o < k; o++ {
					dst[o*q+i] = src[i*k+o]
				}
			}
		},
		toKeras: func(dst, src []float32) {
			q := kh * kw * c
			for i := 0; i < q; i++ {
				for o := 0; o < k; o++ {
					dst[i*k+o] = src[o*q+i]
				}
			}
		}}
	l.bias = &Param{Name: "bias", Shape: []int{k}, KerasShape: []int{k}}
	return l.out, nil
}

func (l *Conv2D) params() []*Param { return []*Param{l.kernel, l.bias} }
func (l *Conv2D) ops() []op {
	act, rest := biasActivation(l.Activation, l.Alpha)
	return append([]op{&convOp{l: l, act: act}}, activationOps(rest, l.Alpha, l.out)...)
}

// MaxPooling2D is keras.layers.MaxPooling2D; strides default to the pool size.
type MaxPooling2D struct {
	base
	PoolH, PoolW     int
	StrideH, StrideW int
	Padding          Padding

	pool PoolParams
	out  Shape
}

func (l *MaxPooling2D) Kind() string { return "MaxPooling2D" }
func (l *MaxPooling2D) Spec() LayerSpec {
	return LayerSpec{Type: "MaxPooling2D", Name: l.name, PoolSize: []int{l.PoolH, l.PoolW},
		Strides: []int{l.StrideH, l.StrideW}, Padding: l.Padding.String()}
}

func (l *MaxPooling2D) build(in Shape) (Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%s: MaxPooling2D needs an (H, W, C) input, got %v", l.name, in)
	}
	if l.PoolH == 0 {
		l.PoolH, l.PoolW = 2, 2
	}
	if l.StrideH == 0 {
		l.StrideH, l.StrideW = l.PoolH, l.PoolW
	}
	p, err := NewPoolParams(1, in[0], in[1], in[2], l.PoolH, l.PoolW, l.StrideH, l.StrideW, l.Padding)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.name, err)
	}
	l.pool, l.out = p, Shape{p.OH, p.OW, p.C}
	return l.out, nil
}

func (l *MaxPooling2D) params() []*Param { return nil }
func (l *MaxPooling2D) ops() []op        { return []op{&poolOp{p: l.pool, out: l.out}} }

// Flatten is keras.layers.Flatten; NHWC order equals Keras channels-last.
type Flatten struct {
	base
	out Shape
}

func (l *Flatten) Kind() string    { return "Flatten" }
func (l *Flatten) Spec() LayerSpec { return LayerSpec{Type: "Flatten", Name: l.name} }
func (l *Flatten) build(in Shape) (Shape, error) {
	l.out = Shape{in.Size()}
	return l.out, nil
}
func (l *Flatten) params() []*Param { return nil }
func (l *Flatten) ops() []op        { return []op{&copyOp{out: l.out}} }

// Dense is keras.layers.Dense with use_bias=True: y = f(x·W + b), W (in, out).
type Dense struct {
	base
	Units      int
	Activation Activation
	Alpha      float32

	in, out      int
	kernel, bias *Param
}

func (l *Dense) Kind() string { return "Dense" }
func (l *Dense) Spec() LayerSpec {
	return LayerSpec{Type: "Dense", Name: l.name, Units: l.Units, Activation: l.Activation.String(), Alpha: l.Alpha}
}

func (l *Dense) build(in Shape) (Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%s: Dense needs a flat input, got %v (add a Flatten layer)", l.name, in)
	}
	if l.Units < 1 {
		return nil, fmt.Errorf("%s: Dense units must be positive, got %d", l.name, l.Units)
	}
	l.in, l.out = in[0], l.Units
	l.kernel = &Param{Name: "kernel", Shape: []int{l.in, l.out}, KerasShape: []int{l.in, l.out},
		fanIn: l.in, fanOut: l.out, glorot: true}
	l.bias = &Param{Name: "bias", Shape: []int{l.out}, KerasShape: []int{l.out}}
	return Shape{l.out}, nil
}

func (l *Dense) params() []*Param { return []*Param{l.kernel, l.bias} }
func (l *Dense) ops() []op {
	act, rest := biasActivation(l.Activation, l.Alpha)
	return append([]op{&denseOp{l: l, act: act}}, activationOps(rest, l.Alpha, Shape{l.out})...)
}

// ActivationLayer is keras.layers.Activation (and LeakyReLU via Alpha).
type ActivationLayer struct {
	base
	Activation Activation
	Alpha      float32
	out        Shape
	// leakyLayer: built from a model file's LeakyReLU layer, which Keras
	// names and lists as one (leaky_re_lu_1 (LeakyReLU)): summary printed
	// it as activation_1 (Activation), numbering the Activation layers
	// after it one too high. The layer is recorded as the Activation of
	// leaky_relu it computes (Spec), as every run has recorded it.
	leakyLayer bool
}

func (l *ActivationLayer) Kind() string {
	if l.leakyLayer {
		return "LeakyReLU"
	}
	return "Activation"
}
func (l *ActivationLayer) Spec() LayerSpec {
	return LayerSpec{Type: "Activation", Name: l.name, Activation: l.Activation.String(), Alpha: l.Alpha}
}
func (l *ActivationLayer) build(in Shape) (Shape, error) { l.out = in; return in, nil }
func (l *ActivationLayer) params() []*Param              { return nil }
func (l *ActivationLayer) ops() []op                     { return activationOps(l.Activation, l.Alpha, l.out) }

// Dropout is keras.layers.Dropout: inverted dropout while training, identity
// otherwise. Masks come from the counter-based Uniform, so they are the same
// on every device.
type Dropout struct {
	base
	Rate float32
	out  Shape
	seed uint64 // set by the model from its seed and the layer index
}

func (l *Dropout) Kind() string { return "Dropout" }
func (l *Dropout) Spec() LayerSpec {
	return LayerSpec{Type: "Dropout", Name: l.name, Rate: l.Rate}
}
func (l *Dropout) build(in Shape) (Shape, error) {
	if l.Rate < 0 || l.Rate >= 1 {
		return nil, fmt.Errorf("%s: dropout rate must be in [0, 1), got %g", l.name, l.Rate)
	}
	l.out = in
	return in, nil
}
func (l *Dropout) params() []*Param { return nil }
func (l *Dropout) ops() []op        { return []op{&dropoutOp{l: l}} }

// activationOps is the op list for a fused activation argument.
func activationOps(a Activation, alpha float32, out Shape) []op {
	switch a {
	case Linear:
		return nil
	case Softmax:
		return []op{&softmaxOp{out: out}}
	}
	if a == LeakyReLU && alpha == 0 {
		alpha = leakyReLUDefault
	}
	return []op{&actOp{f: a, alpha: alpha, out: out}}
}

// tf.nn.leaky_relu's default slope, which activation='leaky_relu' uses.
const leakyReLUDefault = 0.2

// biasActivation splits the activation argument of a Conv2D or Dense layer
// into the element-wise part its op runs with the bias (Linear if none) and
// what runs as ops after it (Softmax, which is row-wise; else Linear).
func biasActivation(a Activation, alpha float32) (biasAct, Activation) {
	switch a {
	case Linear, Softmax:
		return biasAct{f: Linear}, a
	}
	if a == LeakyReLU && alpha == 0 {
		alpha = leakyReLUDefault
	}
	return biasAct{f: a, alpha: alpha}, Linear
}
