package engine

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
)

func FuzzDecodeSafetensors(f *testing.F) {
	var buf bytes.Buffer
	EncodeSafetensors(&buf, []NamedTensor{{"a.kernel", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}}, {"a.bias", []int{3}, []float32{0, 1, 2}}}, map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8))
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[1073741824,1073741824],"data_offsets":[0,4]}}`, 4))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		ts, _, err := DecodeSafetensors("fuzz.safetensors", raw)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.safetensors") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for name, nt := range ts {
			if Shape(nt.Shape).Size() != len(nt.Data) {
				t.Fatalf("%s: shape %v with %d values", name, nt.Shape, len(nt.Data))
			}
			if len(nt.Data)*4 > len(raw) {
				t.Fatalf("%s: %d values from a %d-byte file", name, len(nt.Data), len(raw))
			}
		}
	})
}

func FuzzParseModelSpec(f *testing.F) {
	f.Add([]byte(`{"input_shape":[28,28,1],"layers":[{"type":"Conv2D","filters":32,"kernel_size":[3,3],"padding":"same","activation":"relu"},{"type":"MaxPooling2D"},{"type":"Flatten"},{"type":"Dense","units":10,"activation":"softmax"}]}`))
	f.Add([]byte(`{"input_shape":[65536,65536,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":100000}]}`))
	f.Add([]byte(`{"input_shape":[4,4,1],"layers":[{"type":"Conv2D","filters":1,"kernel_size":[9,9],"strides":[0,1]}]}`))
	f.Add([]byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":2000000000000000000}]}`))
	f.Add([]byte(`{"input_shape":[40000,40000,1],"layers":[{"type":"Conv2D","filters":2147483647,"kernel_size":[1,1],"strides":[9223372036854775807,1]}]}`))
	f.Add([]byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"}],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"Units":3}]}`))
	// One integer for a window, as Keras takes it, and a type error.
	f.Add([]byte(`{"input_shape":[28,28,1],"layers":[{"type":"Conv2D","filters":4,"kernel_size":3,"strides":2},{"type":"MaxPooling2D","pool_size":2},{"type":"Dropout","rate":"0.5"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := ParseModelSpec("fuzz.json", raw)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		m, err := s.Build()
		if err != nil {
			t.Fatalf("parsed but does not build: %v", err)
		}
		// Every tensor of an accepted model fits the kernels' int32 counts.
		if n := m.NumParams(); n < 0 || n > MaxElements || len(m.Layers) > MaxLayers {
			t.Fatalf("accepted %d parameters in %d layers", n, len(m.Layers))
		}
		for i, sh := range m.shapes {
			if _, ok := sh.CheckedSize(); !ok {
				t.Fatalf("layer %d: accepted output %v", i+1, sh)
			}
		}
	})
}

// FuzzReadHistoryJSON: a history.json (a run's, a study cell's, the one in a
// state file) gives a history of one logs and one time per epoch, or an
// error naming the file; never a panic.
func FuzzReadHistoryJSON(f *testing.F) {
	h := &History{}
	h.Append(0, Logs{"loss": 0.5, "val_accuracy": 0.9}, 1.5)
	h.Append(1, Logs{"loss": math.NaN(), "val_accuracy": 0.95}, 1.25)
	var buf bytes.Buffer
	if err := h.WriteJSON(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"epoch":[0,1],"history":{"loss":[0.5]},"seconds":[1,2]}`))
	f.Add([]byte(`{"epoch":[0,1],"history":{"loss":[0.5,null]},"seconds":[1]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := ReadHistoryJSON("fuzz.json", bytes.NewReader(raw))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(h.Logs) != len(h.Epochs) || len(h.Seconds) != len(h.Epochs) {
			t.Fatalf("%d epochs, %d logs, %d times", len(h.Epochs), len(h.Logs), len(h.Seconds))
		}
		if err := h.WriteCSV(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseSchedule: a schedule parses without a panic, and one accepted
// gives every epoch of the run a rate float32 holds (a step or exp rate
// beyond it, +Inf in training, or one that falls to 0, where the run would
// stop, is refused when parsed).
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"step:10:0.5", "step:1:1e308", "exp:0.9", "exp:1.5", "exp:1e-320", "cosine:2:0.0001",
		"cosine:4611686018427387904", "values:0.1,0.01", "values:1e39", "step:2147483647:2"} {
		f.Add(s, 0.001, 100)
	}
	f.Fuzz(func(t *testing.T, spec string, initial float64, epochs int) {
		if !(initial >= SmallestFloat32 && initial <= math.MaxFloat32) || epochs < 1 {
			return // Validate refuses these before a schedule is parsed
		}
		s, err := ParseSchedule(spec, initial, epochs)
		if err != nil {
			return
		}
		for _, e := range []int{0, min(1, epochs-1), epochs / 2, epochs - 1} { // epochs of the run only
			if lr := s.LR(e); !(lr > 0 && lr <= math.MaxFloat32) {
				t.Fatalf("%q from %g over %d epochs: rate %g at epoch %d", spec, initial, epochs, lr, e+1)
			}
		}
	})
}
