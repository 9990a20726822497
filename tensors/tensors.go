// Package tensors is the library's gorgonia.org/tensor edge: a model's
// weights and a data set's batches as *tensor.Dense, for callers that work
// in gorgonia. The engine itself keeps plain []float32 (engine.NamedTensor,
// Dataset.Gather), so importing engine does not import gorgonia.
//
// Layouts are Keras's: a Conv2D kernel is (kh, kw, in, out), a Dense kernel
// (in, out), a bias (out,); images are (n, H, W, C) scaled to [0, 1] and
// targets one-hot (n, classes).
package tensors

import (
	"fmt"

	"gorgonia.org/tensor"

	"mnistgpu/engine"
)

// Weights returns the parameters of the compiled model m as float32 tensors
// in Keras layout, keyed "<layer>.kernel" and "<layer>.bias". The tensors
// are copies: changing them does not change m.
func Weights(m *engine.Model) map[string]*tensor.Dense {
	out := map[string]*tensor.Dense{}
	for _, t := range m.KerasTensors() {
		out[t.Name] = tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
	}
	return out
}

// SetWeights loads float32 tensors in Keras layout, named as Weights names
// them, into the compiled model m. Every parameter must be present with its
// exact shape, and nothing else. Views (slices, transposes) are read in
// their logical order.
func SetWeights(m *engine.Model, ws map[string]*tensor.Dense) error {
	ts := map[string]engine.NamedTensor{}
	for name, d := range ws {
		if d == nil {
			return fmt.Errorf("weights: tensor %q is nil", name)
		}
		if d.IsMaterializable() {
			d = d.Materialize().(*tensor.Dense)
		}
		vals, ok := d.Data().([]float32)
		if !ok {
			return fmt.Errorf("weights: tensor %q has dtype %v, want float32", name, d.Dtype())
		}
		if n := d.Shape().TotalSize(); len(vals) != n {
			return fmt.Errorf("weights: tensor %q has %d values for shape %v (%d)", name, len(vals), d.Shape(), n)
		}
		ts[name] = engine.NamedTensor{Name: name, Shape: append([]int(nil), d.Shape()...), Data: vals}
	}
	return m.SetKerasTensors("weights", ts)
}

// Batch returns the samples idx of d as tensors: images (n, H, W, C) scaled
// to [0, 1] (x/255) and one-hot targets (n, classes). The trainer gathers
// into preallocated memory instead (Dataset.Gather); Batch is for callers.
func Batch(d engine.Dataset, idx []int) (x, t *tensor.Dense) {
	xs := make([]float32, len(idx)*d.Shape.Size())
	ts := make([]float32, len(idx)*d.Classes)
	d.Gather(idx, xs, ts)
	shape := append([]int{len(idx)}, d.Shape...)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(xs)),
		tensor.New(tensor.WithShape(len(idx), d.Classes), tensor.WithBacking(ts))
}
