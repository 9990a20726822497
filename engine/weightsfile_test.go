package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hostBackend holds buffers in host memory: enough for Compile, SaveWeights
// and LoadWeights, which only allocate and copy. Anything else panics on the
// nil embedded Backend.
type hostBackend struct{ Backend }

type hostBuf []float32

func (b hostBuf) Len() int                            { return len(b) }
func (b hostBuf) Slice(off, n int) Buffer             { return b[off : off+n : off+n] }
func (hostBackend) Alloc(n int) (Buffer, error)       { return make(hostBuf, n), nil }
func (hostBackend) CopyIn(dst Buffer, src []float32)  { copy(dst.(hostBuf), src) }
func (hostBackend) CopyOut(dst []float32, src Buffer) { copy(dst, src.(hostBuf)) }

// weightsTestSpec has a Conv2D (a permuted Keras layout) and a Flatten→Dense
// kernel (Keras's channels-last row order): 2·9+2 + 8·3+3 = 47 parameters.
var weightsTestSpec = ModelSpec{Name: "tiny", InputShape: []int{4, 4, 1}, Layers: []LayerSpec{
	{Type: "Conv2D", Filters: 2, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
	{Type: "MaxPooling2D", PoolSize: []int{2, 2}},
	{Type: "Flatten"},
	{Type: "Dense", Units: 3, Activation: "softmax"},
}}

// weightsTestModel is weightsTestSpec with weight i = i/8 - 3 (engine layout),
// independent of Init's generator.
func weightsTestModel(t *testing.T) *Model {
	t.Helper()
	m, err := weightsTestSpec.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(hostBackend{}, CategoricalCrossEntropy, 1); err != nil {
		t.Fatal(err)
	}
	w := make([]float32, m.nParam)
	for i := range w {
		w[i] = float32(i)/8 - 3
	}
	m.SetHostWeights(w)
	return m
}

// dataSectionOf is what follows the header of a safetensors file.
func dataSectionOf(t *testing.T, raw []byte) []byte {
	t.Helper()
	hl := binary.LittleEndian.Uint64(raw)
	if 8+hl > uint64(len(raw)) {
		t.Fatalf("header length %d exceeds the %d-byte file", hl, len(raw))
	}
	return raw[8+hl:]
}

// goldenTinyData is the SHA-256 of the data section SaveWeights wrote for
// weightsTestModel before weight files had checksums (commit 144f1c5).
const goldenTinyData = "5cea939b393a6c5d9e3e5a53791c3aea8e585a34856feeca708e47e6cc0c3fd1"

// TestWeightsDataSectionUnchanged: the tensor data of a weights file is the
// Keras-layout tensors, sorted by name, as little-endian float32, and nothing
// else; only the header may change between versions.
func TestWeightsDataSectionUnchanged(t *testing.T) {
	m := weightsTestModel(t)
	p := filepath.Join(t.TempDir(), "w.safetensors")
	if err := m.SaveWeights(p, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ts := m.KerasTensors()
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	var want []byte
	for _, nt := range ts {
		for _, v := range nt.Data {
			want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
		}
	}
	got := dataSectionOf(t, raw)
	if !bytes.Equal(got, want) {
		t.Fatalf("data section is %d bytes that differ from the %d bytes of the Keras tensors", len(got), len(want))
	}
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != goldenTinyData {
		t.Errorf("data section SHA-256 %x, want %s (the bytes earlier versions wrote)", sum, goldenTinyData)
	}
}

// TestWeightsFileChecksum: every weights file records the SHA-256 of its data;
// a file whose data changed afterwards is refused as corrupt, naming the file
// and both checksums, instead of evaluating to NaN.
func TestWeightsFileChecksum(t *testing.T) {
	m := weightsTestModel(t)
	p := filepath.Join(t.TempDir(), "final.safetensors")
	if err := m.SaveWeights(p, map[string]string{"sha256": "caller may not set this"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadWeights(p)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	sum := sha256.Sum256(dataSectionOf(t, raw))
	recorded := hex.EncodeToString(sum[:])
	if !f.Verified || f.Meta["sha256"] != recorded || f.Path != p || len(f.Tensors) != 4 {
		t.Fatalf("ReadWeights = verified %v, sha256 %q (data has %s), path %q, %d tensors", f.Verified, f.Meta["sha256"], recorded, f.Path, len(f.Tensors))
	}
	if err := m.LoadWeights(p); err != nil {
		t.Fatal(err)
	}

	// Four bytes of the Dense kernel flipped, as a bad disk or copy would.
	data := dataSectionOf(t, raw)
	for i := 100; i < 104; i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := sha256.Sum256(data)
	for name, load := range map[string]func() error{
		"LoadWeights":      func() error { return m.LoadWeights(p) },
		"ReadWeights":      func() error { _, err := ReadWeights(p); return err },
		"ReadWeightsFile":  func() error { _, _, err := ReadWeightsFile(p); return err },
		"ReadWeightsModel": func() error { _, err := ReadWeightsModel(p); return err },
	} {
		err := load()
		if err == nil {
			t.Errorf("%s of a corrupt file succeeded", name)
			continue
		}
		for _, want := range []string{p, recorded, hex.EncodeToString(bad[:]), "the file is corrupt"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", name, err, want)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWeightsFileWithoutChecksum: files from older versions or other tools
// (a Keras export) have no checksum; they load, and ReadWeights says they
// were not verified so the caller can print a note.
func TestWeightsFileWithoutChecksum(t *testing.T) {
	m := weightsTestModel(t)
	dir := t.TempDir()
	for name, meta := range map[string]map[string]string{
		"older.safetensors": {"format": "mnistgpu-keras-layout", "model": mustJSON(t, m.Spec())},
		"keras.safetensors": nil,
	} {
		p := filepath.Join(dir, name)
		ts := m.KerasTensors()
		if err := WriteFileAtomic(p, func(w io.Writer) error { return EncodeSafetensors(w, ts, meta) }); err != nil {
			t.Fatal(err)
		}
		f, err := ReadWeights(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Verified {
			t.Errorf("%s: Verified without a checksum", name)
		}
		if err := m.LoadWeights(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestWeightsFileRefusesNonFinite: a diverged run may save NaN or Inf weights,
// but loading them is refused, naming the file, the tensor and the index.
func TestWeightsFileRefusesNonFinite(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		v    float32
		want string
	}{
		{"nan", float32(math.NaN()), "NaN"},
		{"inf", float32(math.Inf(1)), "+Inf"},
		{"-inf", float32(math.Inf(-1)), "-Inf"},
	} {
		m := weightsTestModel(t)
		ts := m.KerasTensors()
		var dense NamedTensor
		for _, nt := range ts {
			if nt.Name == "dense_1.kernel" {
				dense = nt
			}
		}
		dense.Data[17] = c.v
		if err := m.SetKerasTensors("test", map[string]NamedTensor{ts[0].Name: ts[0], ts[1].Name: ts[1], ts[2].Name: ts[2], ts[3].Name: ts[3]}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, c.name+".safetensors")
		if err := m.SaveWeights(p, nil); err != nil {
			t.Fatalf("%s: saving a diverged model: %v", c.name, err)
		}
		err := m.LoadWeights(p)
		if err == nil {
			t.Errorf("%s: LoadWeights accepted a non-finite weight", c.name)
			continue
		}
		for _, want := range []string{p, "dense_1.kernel", c.want, "index 17"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", c.name, err, want)
			}
		}
	}
}

// TestReadWeightsModel: the spec a weights file records, read without
// building a model; nil for files that record none.
func TestReadWeightsModel(t *testing.T) {
	m := weightsTestModel(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	if err := m.SaveWeights(p, nil); err != nil {
		t.Fatal(err)
	}
	s, err := ReadWeightsModel(p)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatal("no model spec read from a file SaveWeights wrote")
	}
	if d := s.ArchitectureDiff(weightsTestSpec); d != "" {
		t.Errorf("stored spec differs from the saved model's: %s", d)
	}
	keras := filepath.Join(dir, "keras.safetensors")
	ts := m.KerasTensors()
	if err := WriteFileAtomic(keras, func(w io.Writer) error { return EncodeSafetensors(w, ts, map[string]string{"model": "not ours"}) }); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadWeightsModel(keras); s != nil || err != nil {
		t.Errorf("a file from another tool gave spec %v, error %v; want none", s, err)
	}
	// Our format with a spec that does not parse is an error naming the file.
	bad := filepath.Join(dir, "bad.safetensors")
	meta := map[string]string{"format": "mnistgpu-keras-layout", "model": `{"layers": 3}`}
	if err := WriteFileAtomic(bad, func(w io.Writer) error { return EncodeSafetensors(w, ts, meta) }); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWeightsModel(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("unparsable model metadata: error %v, want one naming %s", err, bad)
	}
}

// TestArchitectureDiff: two specs are the same architecture when they build
// the same network; names do not count, defaults are filled in.
func TestArchitectureDiff(t *testing.T) {
	edit := func(f func(s *ModelSpec)) ModelSpec {
		s := weightsTestSpec.clone()
		f(&s)
		return s
	}
	for _, c := range []struct {
		name  string
		other ModelSpec
		want  string
	}{
		{"same", weightsTestSpec, ""},
		{"names", edit(func(s *ModelSpec) { s.Name = "other"; s.Layers[3].Name = "out" }), ""},
		{"defaults spelt out", edit(func(s *ModelSpec) {
			s.Layers[0].Strides = []int{1, 1}
			s.Layers[1].Strides = []int{2, 2}
			s.Layers[1].Padding = "valid"
		}), ""},
		{"activation", edit(func(s *ModelSpec) { s.Layers[3].Activation = "sigmoid" }), "layer 4 (dense_1): activation softmax vs sigmoid"},
		{"units", edit(func(s *ModelSpec) { s.Layers[3].Units = 5 }), "layer 4 (dense_1): units 3 vs 5"},
		{"kernel", edit(func(s *ModelSpec) { s.Layers[0].KernelSize = []int{5} }), "layer 1 (conv2d_1): kernel_size [3 3] vs [5 5]"},
		{"input", edit(func(s *ModelSpec) { s.InputShape = []int{8, 8, 1} }), "input_shape [4 4 1] vs [8 8 1]"},
		{"type", edit(func(s *ModelSpec) { s.Layers[1] = LayerSpec{Type: "Dropout", Rate: 0.5} }), "layer 2: MaxPooling2D (max_pooling2d_1) vs Dropout (dropout_1)"},
		{"more layers", edit(func(s *ModelSpec) {
			s.Layers = append(s.Layers[:3], LayerSpec{Type: "Dense", Units: 8, Activation: "relu"}, s.Layers[3])
			s.Layers[4].Name = "out"
		}), "layer 4 (dense_1): units 3 vs 8"},
		{"fewer layers", edit(func(s *ModelSpec) { s.Layers = append(s.Layers, LayerSpec{Type: "Activation", Activation: "linear"}) }), "4 layers vs 5 (layer 5: Activation (activation_1))"},
		{"no layers", edit(func(s *ModelSpec) { s.Layers = nil }), "4 layers vs 0 (layer 1: Conv2D (conv2d_1))"},
	} {
		if got := weightsTestSpec.ArchitectureDiff(c.other); got != c.want {
			t.Errorf("%s: ArchitectureDiff = %q, want %q", c.name, got, c.want)
		}
	}
}
