package tensors

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

func compiled(t *testing.T, preset string) *engine.Model {
	t.Helper()
	m, err := engine.Presets[preset].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, 4); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBatch(t *testing.T) {
	d := engine.Dataset{Images: make([]uint8, 10*4), Labels: make([]uint8, 10), Shape: engine.Shape{2, 2, 1}, Classes: 10}
	for i := range d.Labels {
		d.Images[i*4] = uint8(i)
		d.Labels[i] = uint8(i)
	}
	x, y := Batch(d, []int{3, 7})
	if fmt.Sprint(x.Shape()) != "(2, 2, 2, 1)" || fmt.Sprint(y.Shape()) != "(2, 10)" {
		t.Fatalf("shapes %v %v", x.Shape(), y.Shape())
	}
	if v, _ := x.At(1, 0, 0, 0); v.(float32) != float32(7)/255 {
		t.Errorf("x[1,0,0,0] = %v, want 7/255", v)
	}
	for j := 0; j < 10; j++ {
		want := float32(0)
		if j == 7 {
			want = 1
		}
		if v, _ := y.At(1, j); v.(float32) != want {
			t.Errorf("target of sample 7 at class %d = %v, want %v", j, v, want)
		}
	}
}

// Weights into a second model through SetWeights gives back the same
// Keras tensors, and Weights copies: writing to a tensor leaves m alone.
func TestWeightsRoundTrip(t *testing.T) {
	a, b := compiled(t, "cnn"), compiled(t, "cnn")
	a.Init(1)
	b.Init(2)
	ws := Weights(a)
	if len(ws) != 8 {
		t.Fatalf("%d tensors, want 8 (4 layers × kernel, bias)", len(ws))
	}
	if s := fmt.Sprint(ws["conv2d_2.kernel"].Shape()); s != "(3, 3, 32, 64)" {
		t.Errorf("conv2d_2.kernel shape %s, want Keras (kh, kw, in, out) = (3, 3, 32, 64)", s)
	}
	if err := SetWeights(b, ws); err != nil {
		t.Fatal(err)
	}
	want, got := a.HostWeights(), b.HostWeights()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("weight %d: %v after SetWeights, want %v", i, got[i], want[i])
		}
	}
	before := a.HostWeights()[0]
	ws["conv2d_1.kernel"].Data().([]float32)[0] += 1
	if a.HostWeights()[0] != before {
		t.Error("writing to a tensor from Weights changed the model")
	}
}

// A transposed view is read in its logical order, not its backing order.
func TestSetWeightsReadsViews(t *testing.T) {
	a, b := compiled(t, "mlp"), compiled(t, "mlp")
	a.Init(1)
	ws := Weights(a)
	k := ws["dense_2.kernel"] // (128, 10)
	// The same values stored as (10, 128), then viewed transposed.
	tr := k.Clone().(*tensor.Dense)
	if err := tr.T(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Transpose(); err != nil { // materialise (10, 128) storage
		t.Fatal(err)
	}
	if err := tr.T(); err != nil { // a (128, 10) view of it
		t.Fatal(err)
	}
	ws["dense_2.kernel"] = tr
	if err := SetWeights(b, ws); err != nil {
		t.Fatal(err)
	}
	want, got := a.HostWeights(), b.HostWeights()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("weight %d: %v after SetWeights of a view, want %v", i, got[i], want[i])
		}
	}
}

func TestSetWeightsErrors(t *testing.T) {
	m := compiled(t, "mlp")
	valid := func() map[string]*tensor.Dense { return Weights(m) }
	for _, c := range []struct {
		name   string
		change func(map[string]*tensor.Dense)
		want   string
	}{
		{"float64", func(ws map[string]*tensor.Dense) {
			ws["dense_1.bias"] = tensor.New(tensor.WithShape(128), tensor.Of(tensor.Float64))
		}, "dtype float64"},
		{"nil", func(ws map[string]*tensor.Dense) { ws["dense_1.bias"] = nil }, "nil"},
		{"missing", func(ws map[string]*tensor.Dense) { delete(ws, "dense_1.bias") }, `no tensor "dense_1.bias"`},
		{"shape", func(ws map[string]*tensor.Dense) {
			ws["dense_1.bias"] = tensor.New(tensor.WithShape(127), tensor.Of(tensor.Float32))
		}, "shape [127]"},
		{"extra", func(ws map[string]*tensor.Dense) {
			ws["extra.bias"] = tensor.New(tensor.WithShape(1), tensor.Of(tensor.Float32))
		}, "5 tensors"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := valid()
			c.change(ws)
			err := SetWeights(m, ws)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("SetWeights: %v, want an error containing %q", err, c.want)
			}
		})
	}
}
