package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"mnistgpu/engine"
)

func runSteps(t *testing.T, opt engine.Optimizer, grads []float32) float32 {
	t.Helper()
	be := New()
	w, g := Wrap([]float32{1}), Wrap([]float32{0})
	for _, gv := range grads {
		be.CopyIn(g, []float32{gv})
		opt.Step(be, w, g, 1)
	}
	out := []float32{0}
	be.CopyOut(out, w)
	return out[0]
}

// TestAdamKerasForm checks three steps against numbers worked out by hand in
// Keras's form; PyTorch's form (ε added to √v̂) gives 0.90000002 after step 1.
func TestAdamKerasForm(t *testing.T) {
	for _, c := range []struct {
		grads []float32
		want  float64
	}{
		{[]float32{0.5}, 0.9000006324515321},
		{[]float32{0.5, -0.25}, 0.8733670792079219},
		{[]float32{0.5, -0.25, 0.1}, 0.8418428982583256},
	} {
		got := runSteps(t, engine.NewAdam(0.1), c.grads)
		if math.Abs(float64(got)-c.want) > 1.5e-7 {
			t.Errorf("Adam after %d steps: w = %.9f, want %.9f", len(c.grads), got, c.want)
		}
	}
}

func TestSGDKerasForm(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  engine.Optimizer
		want float64
	}{
		// w -= 0.1·0.5 twice.
		{"plain", engine.NewSGD(0.1, 0, false), 0.9},
		// v = -0.05, w = 0.95; v = 0.9·(-0.05) - 0.05 = -0.095, w = 0.855.
		{"momentum", engine.NewSGD(0.1, 0.9, false), 0.855},
		// w += 0.9·v - lr·g: 1 - 0.095 = 0.905, then 0.905 - 0.1355 = 0.7695.
		{"nesterov", engine.NewSGD(0.1, 0.9, true), 0.7695},
	} {
		if got := runSteps(t, c.opt, []float32{0.5, 0.5}); math.Abs(float64(got)-c.want) > 1e-6 {
			t.Errorf("%s: w = %v, want %v", c.name, got, c.want)
		}
	}
	if engine.NewSGD(0, 0, false).LR != 0.01 || engine.NewAdam(0).LR != 0.001 {
		t.Error("Keras default learning rates not applied")
	}
}

func TestDropoutMask(t *testing.T) {
	be := New()
	const n = 100000
	x := make([]float32, n)
	for i := range x {
		x[i] = 2
	}
	y, mask := Wrap(make([]float32, n)), Wrap(make([]float32, n))
	be.DropoutForward(n, 0.25, 9, 1000, Wrap(x), y, mask)
	kept := 0
	for i, v := range data(y) {
		switch v {
		case 0:
		case 2 / 0.75:
			kept++
		default:
			t.Fatalf("y[%d] = %v, want 0 or %v", i, v, 2/0.75)
		}
		want := float32(0)
		if engine.Uniform(9, 1000+uint64(i)) >= 0.25 {
			want = 1 / 0.75
		}
		if data(mask)[i] != want {
			t.Fatalf("mask[%d] = %v, want %v from engine.Uniform", i, data(mask)[i], want)
		}
	}
	if f := float64(kept) / n; math.Abs(f-0.75) > 0.01 {
		t.Errorf("kept %.3f of values, want 0.75", f)
	}
}

// TestAdamVectorMatchesScalar: the assembly path must equal adamGo bit for bit.
func TestAdamVectorMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const n = 1000 + 13
	w, g, m, v := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
	for i := range v {
		v[i] = v[i] * v[i]
	}
	w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
	adam(w, g, m, v, 0.003, 0.9, 0.999, 1e-7)
	adamGo(w2, g, m2, v2, 0.003, 0.9, 0.999, 1e-7)
	for i := range w {
		if w[i] != w2[i] || m[i] != m2[i] || v[i] != v2[i] {
			t.Fatalf("element %d: vector (%v %v %v), scalar (%v %v %v)", i, w[i], m[i], v[i], w2[i], m2[i], v2[i])
		}
	}
}

// TestOtherOptimizersKerasForm: two steps (g = 0.5 then -0.25, lr 0.1) of
// RMSprop and Adagrad and one of AdamW, against numbers worked out by hand.
func TestOtherOptimizersKerasForm(t *testing.T) {
	mk := func(name string) engine.Optimizer {
		c, _, err := engine.KerasDefaults(name)
		if err != nil {
			t.Fatal(err)
		}
		c.LR = 0.1
		o, err := engine.NewOptimizerFromConfig(c)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, c := range []struct {
		name  string
		grads []float32
		want  float64
	}{
		// ms = 0.1·0.25 = 0.025; w = 1 - 0.1·0.5/(√0.025 + 1e-7)
		{"rmsprop", []float32{0.5}, 0.6837724339830356},
		{"rmsprop", []float32{0.5, -0.25}, 0.8312143031814623},
		// acc = 0.1 + 0.25; w = 1 - 0.1·0.5/(√0.35 + 1e-7)
		{"adagrad", []float32{0.5}, 0.9154845888128602},
		{"adagrad", []float32{0.5, -0.25}, 0.9544095299603312},
		// w = 1 - 1·(0.1·0.004), then the Adam step of TestAdamKerasForm
		{"adamw", []float32{0.5}, 0.8996006324515321},
	} {
		if got := runSteps(t, mk(c.name), c.grads); math.Abs(float64(got)-c.want) > 2e-7 {
			t.Errorf("%s after %d steps: w = %.9f, want %.9f", c.name, len(c.grads), got, c.want)
		}
	}
}

// Optimizer state that decays below the smallest normal float is stored as
// zero (flushState), in the vector and the scalar paths alike, and NaN stays
// NaN. Without the rule a zero gradient leaves Adam's m stuck at a few
// subnormal units: 0.9·k rounds back to k.
func TestOptimizerStateFlushesSubnormals(t *testing.T) {
	edges := []float32{0, float32(math.Copysign(0, -1)), minNormal, -minNormal, math.Nextafter32(minNormal, 0),
		-math.Nextafter32(minNormal, 0), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 3e-39, -3e-39,
		1.3e-38, float32(math.NaN()), float32(math.Inf(1)), 0.5, -2}
	const n = 3*16 + 5 // vector body and scalar tail
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range m {
		m[i], v[i], w[i] = edges[i%len(edges)], float32(math.Abs(float64(edges[(i+3)%len(edges)]))), 1
	}
	w2, m2, v2 := slices.Clone(w), slices.Clone(m), slices.Clone(v)
	adam(w, g, m, v, 0.001, 1, 1, 1e-7) // β = 1: m and v are kept, then flushed
	adamGo(w2, g, m2, v2, 0.001, 1, 1, 1e-7)
	for i := range m {
		want := flushState(edges[i%len(edges)])
		if math.Float32bits(m[i]) != math.Float32bits(want) && !(isNaN32(m[i]) && isNaN32(want)) {
			t.Errorf("m[%d]: %v flushed to %v, want %v", i, edges[i%len(edges)], m[i], want)
		}
		if math.Float32bits(m[i]) != math.Float32bits(m2[i]) || math.Float32bits(v[i]) != math.Float32bits(v2[i]) ||
			math.Float32bits(w[i]) != math.Float32bits(w2[i]) {
			t.Errorf("element %d: vector (%v %v %v), scalar (%v %v %v)", i, w[i], m[i], v[i], w2[i], m2[i], v2[i])
		}
	}
	if flushState(math.Nextafter32(minNormal, 0)) != 0 || flushState(minNormal) != minNormal || !isNaN32(flushState(float32(math.NaN()))) {
		t.Error("flushState's edges")
	}
	// A weight whose gradient is zero from some step on: its state reaches
	// exactly zero, for Adam, momentum SGD and RMSprop.
	be := New()
	for _, name := range []string{"adam", "sgd", "rmsprop"} {
		wb, gb, s1, s2 := Wrap([]float32{1}), Wrap([]float32{0.5}), Wrap([]float32{0}), Wrap([]float32{0})
		for step := range 3000 {
			switch name {
			case "adam":
				be.AdamStep(1, 0.001, 0.9, 0.9, 1e-7, wb, gb, s1, s2) // β2 0.9: v decays within the loop too
			case "sgd":
				be.SGDStep(1, 0.01, 0.9, false, wb, gb, s1)
			case "rmsprop":
				be.RMSpropStep(1, 0.001, 0.9, 1e-7, wb, gb, s1)
			}
			if step == 0 {
				be.CopyIn(gb, []float32{0})
			}
		}
		for k, sb := range []engine.Buffer{s1, s2} {
			out := []float32{0}
			be.CopyOut(out, sb)
			if out[0] != 0 {
				t.Errorf("%s: state %d is %v after zero gradients, want 0", name, k, out[0])
			}
		}
	}
}

func isNaN32(x float32) bool { return x != x }
