package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Weight files are safetensors in Keras layout: "<layer>.kernel" is
// (kh, kw, in, out) for Conv2D and (in, out) for Dense, "<layer>.bias" is
// (out,), and the Flatten→Dense kernel rows follow Keras's channels-last
// flatten order. The metadata holds the model spec as JSON under "model".

// HostWeights copies the weight arena (engine layout) to the host.
func (m *Model) HostWeights() []float32 {
	out := make([]float32, m.nParam)
	m.be.CopyOut(out, m.weights)
	return out
}

// SetHostWeights loads a weight arena taken by HostWeights.
func (m *Model) SetHostWeights(w []float32) {
	if len(w) != m.nParam {
		panic(fmt.Sprintf("engine: SetHostWeights with %d values, model has %d", len(w), m.nParam))
	}
	m.be.CopyIn(m.weights, w)
}

// HostGradients copies the gradient arena of the last TrainStep to the host.
func (m *Model) HostGradients() []float32 {
	out := make([]float32, m.nParam)
	m.be.CopyOut(out, m.wgrads)
	return out
}

// KerasTensors returns every parameter in Keras layout, in layer order.
func (m *Model) KerasTensors() []NamedTensor {
	host := m.HostWeights()
	var out []NamedTensor
	for _, p := range m.params {
		k := make([]float32, p.Size())
		p.copyToKeras(k, host[p.offset:p.offset+p.Size()])
		out = append(out, NamedTensor{Name: m.paramName(p), Shape: append([]int(nil), p.KerasShape...), Data: k})
	}
	return out
}

// SetKerasTensors loads parameters given in Keras layout; every parameter of
// the model must be present with its exact shape, and nothing else.
func (m *Model) SetKerasTensors(src string, ts map[string]NamedTensor) error {
	host := make([]float32, m.nParam)
	for _, p := range m.params {
		name := m.paramName(p)
		t, ok := ts[name]
		if !ok {
			return fmt.Errorf("%s: no tensor %q (the model's layers are %s)", src, name, m.layerNames())
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(p.KerasShape) {
			return fmt.Errorf("%s: tensor %q has shape %v, the model needs %v", src, name, t.Shape, p.KerasShape)
		}
		p.copyFromKeras(host[p.offset:p.offset+p.Size()], t.Data)
	}
	if len(ts) != len(m.params) {
		return fmt.Errorf("%s: %d tensors, the model has %d parameters", src, len(ts), len(m.params))
	}
	m.be.CopyIn(m.weights, host)
	return nil
}

func (m *Model) layerNames() string {
	s := ""
	for i, l := range m.Layers {
		if i > 0 {
			s += ", "
		}
		s += l.Name()
	}
	return s
}

// SaveWeights writes a safetensors file atomically.
func (m *Model) SaveWeights(path string, extraMeta map[string]string) error {
	spec, err := json.Marshal(m.Spec())
	if err != nil {
		return err
	}
	meta := map[string]string{"format": "mnistgpu-keras-layout", "model": string(spec)}
	for k, v := range extraMeta {
		meta[k] = v
	}
	ts := m.KerasTensors()
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodeSafetensors(w, ts, meta) })
}

// maxWeightsFile bounds what LoadWeights reads into memory.
const maxWeightsFile = 1 << 30

// ReadWeightsFile reads and validates a safetensors file.
func ReadWeightsFile(path string) (map[string]NamedTensor, map[string]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %w", err)
	}
	if st.Size() > maxWeightsFile {
		return nil, nil, fmt.Errorf("%s: %d bytes, more than the %d a weight file may have", path, st.Size(), maxWeightsFile)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %w", err)
	}
	return DecodeSafetensors(path, raw)
}

// LoadWeights reads a safetensors file written by SaveWeights (or by any
// tool, in Keras layout with these names) into the compiled model.
func (m *Model) LoadWeights(path string) error {
	ts, _, err := ReadWeightsFile(path)
	if err != nil {
		return err
	}
	return m.SetKerasTensors(path, ts)
}
