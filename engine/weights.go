package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
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
// the model must be present with its exact shape, and nothing else
// (CheckKerasTensors).
func (m *Model) SetKerasTensors(src string, ts map[string]NamedTensor) error {
	if err := m.CheckKerasTensors(src, ts); err != nil {
		return err
	}
	host := make([]float32, m.nParam)
	for _, p := range m.params {
		p.copyFromKeras(host[p.offset:p.offset+p.Size()], ts[m.paramName(p)].Data)
	}
	m.be.CopyIn(m.weights, host)
	return nil
}

// CheckKerasTensors says whether ts holds exactly the model's parameters, by
// name and shape. It needs only a built model, so a caller can refuse a
// weights file that does not fit before Compile allocates anything.
func (m *Model) CheckKerasTensors(src string, ts map[string]NamedTensor) error {
	for _, p := range m.params {
		name := m.paramName(p)
		t, ok := ts[name]
		if !ok {
			return fmt.Errorf("%s: no tensor %q (the model's layers are %s)", src, name, m.layerNames())
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(p.KerasShape) {
			return fmt.Errorf("%s: tensor %q has shape %v, the model needs %v", src, name, t.Shape, p.KerasShape)
		}
	}
	if len(ts) != len(m.params) {
		return fmt.Errorf("%s: %d tensors, the model has %d parameters", src, len(ts), len(m.params))
	}
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

// weightsFormat is the "format" metadata of the files SaveWeights writes.
const weightsFormat = "mnistgpu-keras-layout"

// SaveWeights writes a safetensors file atomically. Its metadata holds
// extraMeta and, overriding it, the format, the model spec under "model",
// the loss a compiled model trains with under "loss" (what an evaluation of
// the file computes), the SHA-256 of the tensor data under "sha256", and
// the digest of the whole file under digestKey: ReadWeights checks both
// checksums. Non-finite weights are written as they are (a diverged run may
// still save); loading refuses them.
func (m *Model) SaveWeights(path string, extraMeta map[string]string) error {
	spec, err := json.Marshal(m.Spec())
	if err != nil {
		return err
	}
	ts := m.KerasTensors()
	meta := map[string]string{}
	for k, v := range extraMeta {
		meta[k] = v
	}
	meta["format"] = weightsFormat
	meta["model"] = string(spec)
	if m.be != nil {
		meta["loss"] = m.loss.String()
	}
	meta["sha256"] = tensorDataSHA256(ts)
	sealMetadata(meta, ts)
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodeSafetensors(w, ts, meta) })
}

// maxWeightsFile bounds what LoadWeights reads into memory.
const maxWeightsFile = 1 << 30

// WeightsFile is a weights file read by ReadWeights: its checksum, when it
// records one, matched, and every value is finite.
type WeightsFile struct {
	Path    string
	Tensors map[string]NamedTensor // Keras layout, by name
	Meta    map[string]string
	// Model is the spec the file records under "model"; nil when it records
	// none (a file from another tool, such as a Keras export).
	Model *ModelSpec
	// Verified: the file records a SHA-256 of its tensor data and it matched.
	// Files written before weight files had checksums, or by other tools, have
	// none; they load unverified and the caller should say so.
	Verified bool
}

// ReadWeights reads a safetensors weights file and checks it: a recorded
// "sha256" must match the tensor data (else "the file is corrupt"), every
// value must be finite (NaN or Inf weights make any evaluation meaningless),
// and a file in this engine's format must hold a valid model spec and
// record a loss that model can be trained with (checkRecordedLoss).
func ReadWeights(path string) (*WeightsFile, error) {
	raw, err := ReadFile(path, "weights file", maxWeightsFile)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	ts, meta, err := DecodeSafetensors(path, raw)
	if err != nil {
		return nil, err
	}
	if meta["format"] == stateFormat {
		// Its tensors are in the engine's layout, under other names: it
		// was read as a file without a model, then without a tensor.
		return nil, fmt.Errorf("%s is a run's training state (what --resume reads), not a weights file: give the run's final weights or a checkpoint", path)
	}
	f := &WeightsFile{Path: path, Tensors: ts, Meta: meta}
	if want, ok := meta["sha256"]; ok {
		sum := sha256.Sum256(dataSection(raw))
		if got := hex.EncodeToString(sum[:]); got != want {
			return nil, fmt.Errorf("%s: checksum mismatch (data SHA-256 %s, recorded %s): the file is corrupt", path, got, want)
		}
		f.Verified = true
	}
	if _, err := checkDigest(path, meta, ts); err != nil {
		return nil, err
	}
	if err := checkFinite(path, ts); err != nil {
		return nil, err
	}
	if js, ok := meta["model"]; ok && meta["format"] == weightsFormat {
		s, err := ParseModelSpec(path+` (metadata "model")`, []byte(js))
		if err != nil {
			return nil, err
		}
		if err := checkHoldsModel(path, s, ts); err != nil {
			return nil, err
		}
		f.Model = &s
	}
	if meta["format"] == weightsFormat {
		if err := checkRecordedLoss(path, meta["loss"], f.Model); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// checkHoldsModel refuses a file whose tensors are not the parameters of the
// model it records, before anyone builds that model on a device: a few
// hundred bytes must not be able to ask for a billion-parameter network.
func checkHoldsModel(path string, s ModelSpec, ts map[string]NamedTensor) error {
	m, err := s.Build()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	values := 0
	for _, t := range ts {
		values += len(t.Data)
	}
	if values != m.NumParams() {
		return fmt.Errorf("%s: the model it records has %d parameters, but the file holds %d values", path, m.NumParams(), values)
	}
	return m.CheckKerasTensors(path, ts)
}

// checkFinite names the first NaN or Inf, in tensor-name order.
func checkFinite(path string, ts map[string]NamedTensor) error {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for i, v := range ts[n].Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%s: tensor %s holds %v at index %d (of %d): weights that are not finite make any evaluation meaningless (did the run that saved them diverge?)",
					path, n, strconv.FormatFloat(f, 'g', -1, 32), i, len(ts[n].Data))
			}
		}
	}
	return nil
}

// ReadWeightsFile is ReadWeights for callers that need only the tensors and
// the metadata.
func ReadWeightsFile(path string) (map[string]NamedTensor, map[string]string, error) {
	f, err := ReadWeights(path)
	if err != nil {
		return nil, nil, err
	}
	return f.Tensors, f.Meta, nil
}

// ReadWeightsModel returns the model spec a weights file records (nil if it
// records none), without building a model. The whole file is read and
// checked as by ReadWeights; a caller that goes on to load the weights should
// call ReadWeights once instead.
func ReadWeightsModel(path string) (*ModelSpec, error) {
	f, err := ReadWeights(path)
	if err != nil {
		return nil, err
	}
	return f.Model, nil
}

// LoadWeights reads a safetensors file written by SaveWeights (or by any
// tool, in Keras layout with these names) into the compiled model, checked as
// by ReadWeights. It does not say whether the file had a checksum; use
// ReadWeights and SetKerasTensors(f.Path, f.Tensors) for that.
func (m *Model) LoadWeights(path string) error {
	f, err := ReadWeights(path)
	if err != nil {
		return err
	}
	return m.SetKerasTensors(path, f.Tensors)
}
