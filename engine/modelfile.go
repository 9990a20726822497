package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// ModelSpec is a Sequential model as a user writes it in a JSON model file:
//
//	{"input_shape": [28, 28, 1],
//	 "layers": [
//	   {"type": "Conv2D", "filters": 32, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
//	   {"type": "MaxPooling2D", "pool_size": [2, 2]},
//	   {"type": "Flatten"},
//	   {"type": "Dense", "units": 10, "activation": "softmax"}]}
type ModelSpec struct {
	Name       string      `json:"name,omitempty"`
	InputShape []int       `json:"input_shape"`
	Layers     []LayerSpec `json:"layers"`
}

// LayerSpec is one layer of a ModelSpec; fields follow Keras argument names.
type LayerSpec struct {
	Type       string  `json:"type"`
	Name       string  `json:"name,omitempty"`
	Filters    int     `json:"filters,omitempty"`
	KernelSize Window  `json:"kernel_size,omitempty"`
	Strides    Window  `json:"strides,omitempty"`
	Padding    string  `json:"padding,omitempty"`
	PoolSize   Window  `json:"pool_size,omitempty"`
	Units      int     `json:"units,omitempty"`
	Activation string  `json:"activation,omitempty"`
	Alpha      float32 `json:"alpha,omitempty"`
	Rate       float32 `json:"rate,omitempty"`
}

// Presets are the report's models.
var Presets = map[string]ModelSpec{
	// The report's CNN: 421,642 parameters.
	"cnn": {Name: "cnn", InputShape: []int{28, 28, 1}, Layers: []LayerSpec{
		{Type: "Conv2D", Filters: 32, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
		{Type: "MaxPooling2D", PoolSize: []int{2, 2}},
		{Type: "Conv2D", Filters: 64, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
		{Type: "MaxPooling2D", PoolSize: []int{2, 2}},
		{Type: "Flatten"},
		{Type: "Dense", Units: 128, Activation: "relu"},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}},
	// 784-128-10.
	"mlp": {Name: "mlp", InputShape: []int{28, 28, 1}, Layers: []LayerSpec{
		{Type: "Flatten"},
		{Type: "Dense", Units: 128, Activation: "relu"},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}},
	// 784-512-512-10.
	"mlp2": {Name: "mlp2", InputShape: []int{28, 28, 1}, Layers: []LayerSpec{
		{Type: "Flatten"},
		{Type: "Dense", Units: 512, Activation: "relu"},
		{Type: "Dense", Units: 512, Activation: "relu"},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}},
}

// PresetNames lists the presets in a fixed order.
var PresetNames = []string{"cnn", "mlp", "mlp2"}

// LoadModelSpec returns a preset by name, or reads a JSON model file.
func LoadModelSpec(nameOrPath string) (ModelSpec, error) { return loadModelSpec(nameOrPath, true) }

// loadModelSpec is LoadModelSpec; written: refuse what checkWrittenFields
// refuses (LoadRecordedModelSpec does not).
func loadModelSpec(nameOrPath string, written bool) (ModelSpec, error) {
	if s, ok := Presets[nameOrPath]; ok {
		return s.clone(), nil
	}
	raw, err := ReadFile(nameOrPath, "model file", maxModelFile)
	if err != nil {
		return ModelSpec{}, fmt.Errorf("model %q is neither a preset (%v) nor a readable model file: %w", nameOrPath, PresetNames, err)
	}
	if err := modelFileKindError(nameOrPath, raw); err != nil {
		return ModelSpec{}, err
	}
	s, err := ParseModelSpec(nameOrPath, raw)
	if err != nil {
		return ModelSpec{}, err
	}
	if written {
		if err := checkWrittenFields(raw); err != nil {
			return ModelSpec{}, fmt.Errorf("%s: %w", nameOrPath, err)
		}
	}
	return s, nil
}

// maxModelFile bounds a model file; real ones are a few hundred bytes.
const maxModelFile = 1 << 20

// ParseModelSpec decodes a JSON model file, rejecting unknown fields; file
// names the source in errors.
func ParseModelSpec(file string, raw []byte) (ModelSpec, error) {
	if len(raw) > maxModelFile {
		return ModelSpec{}, fmt.Errorf("%s: model file is %d bytes, more than the %d allowed", file, len(raw), maxModelFile)
	}
	if err := checkDuplicateKeys(raw); err != nil {
		return ModelSpec{}, fmt.Errorf("%s: invalid model file: %w", file, err)
	}
	if err := checkZeroAlpha(raw); err != nil {
		return ModelSpec{}, fmt.Errorf("%s: %w", file, err)
	}
	var s ModelSpec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return ModelSpec{}, fmt.Errorf("%s: invalid model file: %w", file, ExplainJSON(err))
	}
	if dec.More() {
		return ModelSpec{}, fmt.Errorf("%s: invalid model file: data after the JSON object", file)
	}
	if _, err := s.Build(); err != nil {
		return ModelSpec{}, fmt.Errorf("%s: %w", file, err)
	}
	return s, nil
}

func (s ModelSpec) clone() ModelSpec {
	c := s
	c.InputShape = append([]int(nil), s.InputShape...)
	c.Layers = append([]LayerSpec(nil), s.Layers...)
	return c
}

// WithHiddenActivation replaces every activation except the last layer's
// softmax/sigmoid output by a: the report's ReLU-vs-sigmoid experiments.
func (s ModelSpec) WithHiddenActivation(a string) ModelSpec {
	c := s.clone()
	for i := range c.Layers {
		if c.hiddenActivation(i) {
			c.Layers[i].Activation = a
		}
	}
	return c
}

// hiddenActivation reports whether WithHiddenActivation replaces layer i's
// activation: a hidden layer's that is not linear.
func (s ModelSpec) hiddenActivation(i int) bool {
	l := s.Layers[i]
	output := i == len(s.Layers)-1 && (l.Activation == "softmax" || l.Activation == "sigmoid")
	hidden := (l.Type == "Conv2D" || l.Type == "Dense") && l.Activation != "" && l.Activation != "linear" ||
		l.Type == "Activation" && l.Activation != "softmax"
	return hidden && !output
}

// ActivationTargets are the layers (1-based) whose activation
// WithHiddenActivation replaces, and the LeakyReLU layers, hidden
// activations too, that it leaves as they are.
func (s ModelSpec) ActivationTargets() (replaced, leaky []int) {
	for i, l := range s.Layers {
		switch {
		case s.hiddenActivation(i):
			replaced = append(replaced, i+1)
		case l.Type == "LeakyReLU":
			leaky = append(leaky, i+1)
		}
	}
	return replaced, leaky
}

func pair(v []int, def int, what string) (int, int, error) {
	switch len(v) {
	case 0:
		return def, def, nil
	case 1:
		return v[0], v[0], nil
	case 2:
		return v[0], v[1], nil
	}
	return 0, 0, fmt.Errorf("%s must have 1 or 2 values, got %v", what, v)
}

// Build turns the spec into a built Sequential model.
func (s ModelSpec) Build() (*Model, error) {
	if len(s.InputShape) == 0 {
		return nil, fmt.Errorf("model has no input_shape")
	}
	for _, d := range s.InputShape {
		if d < 1 || d > 1<<16 {
			return nil, fmt.Errorf("input_shape %v has a dimension out of range", s.InputShape)
		}
	}
	if _, ok := Shape(s.InputShape).CheckedSize(); !ok {
		return nil, fmt.Errorf("input_shape %v has more than the %d values a tensor may hold", s.InputShape, MaxElements)
	}
	if len(s.Layers) == 0 {
		return nil, fmt.Errorf("model has no layers")
	}
	if len(s.Layers) > MaxLayers {
		return nil, fmt.Errorf("model has %d layers; at most %d are accepted", len(s.Layers), MaxLayers)
	}
	layers := make([]Layer, 0, len(s.Layers))
	for i, ls := range s.Layers {
		l, err := ls.layer()
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i+1, ls.Type, err)
		}
		layers = append(layers, l)
	}
	m, err := NewSequential(Shape(s.InputShape), layers...)
	if err != nil {
		return nil, err
	}
	return m, m.checkSizes()
}

// MaxLayers bounds the layers of a model: the report's models have seven,
// and every layer holds activations for a whole batch.
const MaxLayers = 1000

// checkSizes refuses a built model with a tensor larger than MaxElements:
// a layer's output for one sample, a parameter, or all parameters together
// (they share one arena). Building allocates nothing, so a hostile model
// file is refused here, before Compile; sizes are checked in layer order,
// with products that cannot wrap around.
func (m *Model) checkSizes() error {
	total := int64(0) // a sum of sizes up to MaxElements each wraps a 32-bit int
	for i, l := range m.Layers {
		if _, ok := m.shapes[i].CheckedSize(); !ok {
			return fmt.Errorf("layer %d (%s): its output %v has more than the %d values a tensor may hold", i+1, l.Name(), []int(m.shapes[i]), MaxElements)
		}
		for _, p := range l.params() {
			n, ok := Shape(p.Shape).CheckedSize()
			if !ok {
				return fmt.Errorf("layer %d (%s): its %s %v has more than the %d values a tensor may hold", i+1, l.Name(), p.Name, p.KerasShape, MaxElements)
			}
			if total += int64(n); total > MaxElements {
				return fmt.Errorf("layer %d (%s): the model has more than %d parameters, the most one weight arena holds", i+1, l.Name(), MaxElements)
			}
		}
	}
	return nil
}

func (ls LayerSpec) layer() (Layer, error) {
	for _, v := range [][]int{{ls.Filters, ls.Units}, ls.KernelSize, ls.Strides, ls.PoolSize} {
		for _, n := range v {
			if n > MaxElements {
				return nil, fmt.Errorf("size %d is more than %d, the most a tensor dimension may be", n, MaxElements)
			}
		}
	}
	if err := ls.checkFields(); err != nil {
		return nil, err
	}
	act, err := ParseActivation(ls.Activation)
	if err != nil {
		return nil, err
	}
	pad, err := ParsePadding(ls.Padding)
	if err != nil {
		return nil, err
	}
	var l Layer
	switch ls.Type {
	case "Conv2D":
		kh, kw, err := pair(ls.KernelSize, 0, "kernel_size")
		if err != nil {
			return nil, err
		}
		sh, sw, err := pair(ls.Strides, 1, "strides")
		if err != nil {
			return nil, err
		}
		if ls.Filters < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 {
			return nil, fmt.Errorf("Conv2D needs positive filters, kernel_size and strides (got %d, %v, %v)", ls.Filters, ls.KernelSize, ls.Strides)
		}
		l = &Conv2D{Filters: ls.Filters, KernelH: kh, KernelW: kw, StrideH: sh, StrideW: sw, Padding: pad, Activation: act, Alpha: ls.Alpha}
	case "MaxPooling2D":
		ph, pw, err := pair(ls.PoolSize, 2, "pool_size")
		if err != nil {
			return nil, err
		}
		sh, sw, err := pair(ls.Strides, 0, "strides")
		if err != nil {
			return nil, err
		}
		if sh == 0 {
			sh, sw = ph, pw
		}
		if ph < 1 || pw < 1 || sh < 1 || sw < 1 {
			return nil, fmt.Errorf("MaxPooling2D needs positive pool_size and strides")
		}
		l = &MaxPooling2D{PoolH: ph, PoolW: pw, StrideH: sh, StrideW: sw, Padding: pad}
	case "Flatten":
		l = &Flatten{}
	case "Dense":
		if ls.Units < 1 {
			return nil, fmt.Errorf("Dense needs positive units, got %d", ls.Units)
		}
		l = &Dense{Units: ls.Units, Activation: act, Alpha: ls.Alpha}
	case "Activation":
		l = &ActivationLayer{Activation: act, Alpha: ls.Alpha}
	case "LeakyReLU":
		alpha := ls.Alpha
		if alpha == 0 {
			alpha = 0.3 // keras.layers.LeakyReLU's default
		}
		l = &ActivationLayer{Activation: LeakyReLU, Alpha: alpha, leakyLayer: true}
	case "Dropout":
		l = &Dropout{Rate: ls.Rate}
	default:
		return nil, fmt.Errorf("unknown layer type %q (want Conv2D, MaxPooling2D, Flatten, Dense, Activation, LeakyReLU or Dropout)", ls.Type)
	}
	l.SetName(ls.Name)
	return l, nil
}

// Spec returns the model as a ModelSpec (what a model file holds).
func (m *Model) Spec() ModelSpec {
	s := ModelSpec{Name: m.Name, InputShape: append([]int(nil), m.Input...)}
	for _, l := range m.Layers {
		s.Layers = append(s.Layers, l.Spec())
	}
	return s
}

// ArchitectureDiff describes the first way other differs from s as a network,
// "" if none: the input shape, then each layer's type and settings (units,
// filters, kernel, strides, padding, activation, alpha, rate), then the
// number of layers. Both are compared as Build fills them in, so a default
// spelt out equals the default left out; names, of the model and of its
// layers, are labels and do not count. The description gives s's value first:
// "layer 4 (dense_1): activation softmax vs sigmoid".
func (s ModelSpec) ArchitectureDiff(other ModelSpec) string {
	a, b := s.normalized(), other.normalized()
	if !reflect.DeepEqual(a.InputShape, b.InputShape) {
		return fmt.Sprintf("input_shape %v vs %v", a.InputShape, b.InputShape)
	}
	for i := range min(len(a.Layers), len(b.Layers)) {
		la, lb := a.Layers[i], b.Layers[i]
		if la.Type != lb.Type {
			return fmt.Sprintf("layer %d: %s (%s) vs %s (%s)", i+1, la.Type, la.Name, lb.Type, lb.Name)
		}
		va, vb := reflect.ValueOf(la), reflect.ValueOf(lb)
		for f := range va.NumField() {
			key, _, _ := strings.Cut(va.Type().Field(f).Tag.Get("json"), ",")
			if key == "type" || key == "name" {
				continue
			}
			if x, y := va.Field(f).Interface(), vb.Field(f).Interface(); !reflect.DeepEqual(x, y) {
				return fmt.Sprintf("layer %d (%s): %s %v vs %v", i+1, la.Name, key, x, y)
			}
		}
	}
	if n := min(len(a.Layers), len(b.Layers)); len(a.Layers) != len(b.Layers) {
		var x LayerSpec // the first layer only one of them has
		if len(a.Layers) > n {
			x = a.Layers[n]
		} else {
			x = b.Layers[n]
		}
		return fmt.Sprintf("%d layers vs %d (layer %d: %s (%s))", len(a.Layers), len(b.Layers), n+1, x.Type, x.Name)
	}
	return ""
}

// normalized is the spec as Build fills it in (default strides, padding and
// pool size, layer names, LeakyReLU as an Activation layer); a spec that does
// not build is compared as written.
func (s ModelSpec) normalized() ModelSpec {
	m, err := s.Build()
	if err != nil {
		return s
	}
	return m.Spec()
}
