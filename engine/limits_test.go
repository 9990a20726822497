package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestModelSizeLimits: a model file that asks for more than a tensor can
// hold, or for tens of thousands of layers, is refused when it is built
// (before anything is allocated), naming the layer and the limit; the
// counts it would have had are never computed with a wrapped product.
func TestModelSizeLimits(t *testing.T) {
	flatten50k := `{"input_shape":[28,28,1],"layers":[` + strings.Repeat(`{"type":"Flatten"},`, 50000) + `{"type":"Dense","units":10,"activation":"softmax"}]}`
	for name, c := range map[string]struct{ src, want string }{
		"Dense(2e18)": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":2000000000000000000}]}`,
			"layer 2 (Dense): size 2000000000000000000 is more than 2147483647"},
		"Dense(1e9) kernel": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":1000000000}]}`,
			"layer 2 (dense_1): its kernel [784 1000000000] has more than the 2147483647 values"},
		"all parameters": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":2000000},{"type":"Dense","units":1000}]}`,
			"layer 3 (dense_2): the model has more than 2147483647 parameters"},
		"wide input": {`{"input_shape":[65536,65536,65536,65536,65536],"layers":[{"type":"Flatten"}]}`,
			"input_shape [65536 65536 65536 65536 65536] has more than the 2147483647 values"},
		"wide output": {`{"input_shape":[40000,40000,1],"layers":[{"type":"Conv2D","filters":2147483647,"kernel_size":[1,1]}]}`,
			"layer 1 (conv2d_1): its output [40000 40000 2147483647] has more than"},
		"50000 Flatten": {flatten50k, "model has 50001 layers; at most 1000 are accepted"},
	} {
		if name == "Dense(2e18)" && strconv.IntSize == 32 {
			// encoding/json refuses it first: more than a 32-bit int holds.
			c.want = `invalid model file: "layers.units" takes an integer, got 2000000000000000000`
		}
		_, err := ParseModelSpec("m.json", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), "m.json: "+c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if _, ok := (Shape{1 << 16, 1 << 16, 1 << 16, 1 << 16}).CheckedSize(); ok {
		t.Error("CheckedSize accepted a product that wraps around to a small number")
	}
	if n, ok := (Shape{28, 28, 1}).CheckedSize(); !ok || n != 784 {
		t.Errorf("CheckedSize(28, 28, 1) = %d, %v", n, ok)
	}
}

// TestModelFileDuplicateKeys: a key given twice, at any depth, or twice in
// two cases that encoding/json takes for one field, is refused naming the
// file, the key and where it is; encoding/json alone would merge them.
func TestModelFileDuplicateKeys(t *testing.T) {
	dense := `{"type":"Dense","units":10,"activation":"softmax"}`
	for name, c := range map[string]struct{ src, want string }{
		"layers twice": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"}],"layers":[{"type":"Flatten"},` + dense + `]}`,
			`m.json: invalid model file: key "layers" appears twice in the top-level object`},
		"in a layer": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},{"type":"Dense","units":10,"units":99,"activation":"softmax"}]}`,
			`m.json: invalid model file: key "units" appears twice in layers[1]`},
		"case folded": {`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},` + dense + `],"Layers":[]}`,
			`m.json: invalid model file: keys "layers" and "Layers" in the top-level object name the same field`},
	} {
		_, err := ParseModelSpec("m.json", []byte(c.src))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	// The same key in sibling objects is no duplicate, and deep nesting is
	// walked without recursion (the decoder then refuses it as too deep).
	if _, err := ParseModelSpec("ok.json", []byte(`{"input_shape":[28,28,1],"layers":[{"type":"Flatten"},`+dense+`]}`)); err != nil {
		t.Error(err)
	}
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	if err := checkDuplicateKeys([]byte(deep)); err != nil {
		t.Errorf("deep arrays: %v", err)
	}
}

// TestAugmentationBounds: ranges beyond what Keras's augmentation layers
// accept (a full turn, a whole image) are refused at validation; before,
// --rotation 1e308 overflowed the transform into NaN and panicked indexing.
func TestAugmentationBounds(t *testing.T) {
	for _, c := range []struct {
		a    Augmentation
		want string
	}{
		{Augmentation{Rotation: 1e308}, "augmentation rotation_range 1e+308 is more than 360 degrees (a full turn)"},
		{Augmentation{WidthShift: 1e308}, "augmentation width_shift_range 1e+308 is more than 65536 pixels"},
		{Augmentation{HeightShift: 70000}, "augmentation height_shift_range 70000 is more than 65536 pixels"},
		{Augmentation{Rotation: -1}, "augmentation rotation_range must be a non-negative number, got -1"},
		{Augmentation{Zoom: 1}, "augmentation zoom_range 1 must be in [0, 1)"},
	} {
		if err := c.a.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: err = %v, want %q", c.a, err, c.want)
		}
	}
	ok := Augmentation{Rotation: 360, WidthShift: 65536, HeightShift: 0.5, Zoom: 0.9}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*28*28)
	ok.Apply(x, 2, 28, 28, 1, 1, 1, make([]float32, 28*28)) // the largest ranges run
}

// TestWeightsFileRecordsAModelItDoesNotHold: a 256-byte weights file whose
// metadata records a huge model is refused by ReadWeights, before anything
// builds that model on a device.
func TestWeightsFileRecordsAModelItDoesNotHold(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, units int) string {
		spec, _ := json.Marshal(ModelSpec{InputShape: []int{28, 28, 1}, Layers: []LayerSpec{{Type: "Flatten"}, {Type: "Dense", Units: units}}})
		meta, _ := json.Marshal(map[string]string{"format": weightsFormat, "model": string(spec)})
		h := `{"__metadata__":` + string(meta) + `,"dense_1.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, withHeader(h, 4), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		units int
		want  string
	}{
		{1000000000, "its kernel [784 1000000000] has more than the 2147483647 values a tensor may hold"},
		{100000, "the model it records has 78500000 parameters, but the file holds 1 values"},
		{1, "the model it records has 785 parameters, but the file holds 1 values"},
	} {
		p := write("w.safetensors", c.units)
		if st, _ := os.Stat(p); st.Size() > 300 {
			t.Fatalf("test file is %d bytes", st.Size())
		}
		if _, err := ReadWeights(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Dense(%d): err = %v, want %q", c.units, err, c.want)
		}
	}
}
