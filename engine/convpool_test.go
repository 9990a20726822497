package engine_test

import (
	"fmt"
	"math"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// convPoolCPU is the CPU backend with an engine.ConvPoolFuser composed of
// its own kernels: the forward pass runs them unfused into buffers of its
// own and writes py, arg and pz (conformance.ConvPoolArgmax); the backward
// pass checks that arg and pz come back as it wrote them, then runs the
// unfused backward pass on its saved z and f(z). A model trained on it
// through the fused pair must therefore end bit-identical to one trained
// on the plain CPU backend, and the counts show which way the engine went.
type convPoolCPU struct {
	*cpu.Backend
	decline            bool // report false: the engine runs the pair unfused
	forwards, backward int
	saved              map[engine.Buffer]convPoolSaved // by arg buffer
	err                error                           // the first inconsistency seen
}

type convPoolSaved struct{ z, fz, arg, pz []float32 }

var _ engine.ConvPoolFuser = (*convPoolCPU)(nil)

func (c *convPoolCPU) ConvBiasActivationPoolForward(cp engine.ConvParams, pp engine.PoolParams, f engine.Activation, alpha float32, x, w, bias, py, arg, pz engine.Buffer) bool {
	if c.decline {
		return false
	}
	c.forwards++
	nz := cp.N * cp.OH * cp.OW * cp.K
	zb, fzb := cpu.Wrap(make([]float32, nz)), cpu.Wrap(make([]float32, nz))
	c.Conv2DForward(cp, x, w, zb)
	engine.BiasActivationForward(c, f, alpha, cp.N*cp.OH*cp.OW, cp.K, zb, bias, fzb)
	c.MaxPoolForward(pp, fzb, py)
	s := convPoolSaved{z: make([]float32, nz), fz: make([]float32, nz)}
	c.CopyOut(s.z, zb)
	c.CopyOut(s.fz, fzb)
	_, s.arg, s.pz = conformance.ConvPoolArgmax(pp, s.fz, s.z)
	c.CopyIn(arg, s.arg)
	c.CopyIn(pz, s.pz)
	if c.saved == nil {
		c.saved = map[engine.Buffer]convPoolSaved{}
	}
	c.saved[arg] = s
	return true
}

func (c *convPoolCPU) MaxPoolArgmaxActivationBackwardBiasGrad(pp engine.PoolParams, f engine.Activation, alpha float32, arg, pz, py, dy, dz, db engine.Buffer) {
	c.backward++
	s, ok := c.saved[arg]
	if !ok {
		c.fail(fmt.Errorf("backward pass with an arg buffer no forward pass wrote"))
		return
	}
	m := len(s.arg)
	gotArg, gotPz := make([]float32, m), make([]float32, m)
	c.CopyOut(gotArg, arg.Slice(0, m))
	c.CopyOut(gotPz, pz.Slice(0, m))
	for i := range s.arg {
		if gotArg[i] != s.arg[i] || math.Float32bits(gotPz[i]) != math.Float32bits(s.pz[i]) {
			c.fail(fmt.Errorf("arg/pz element %d changed between the forward and backward passes", i))
			return
		}
	}
	engine.MaxPoolActivationBackwardBiasGrad(c, pp, f, alpha, cpu.Wrap(s.z), cpu.Wrap(s.fz), py, dy, dz, db)
}

func (c *convPoolCPU) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// convPoolModel is a small CNN: two Conv2D + MaxPooling2D pairs (the
// second pools 7×7 with "same" padding) with activation f, then a softmax.
func convPoolModel(t *testing.T, f engine.Activation, alpha float32) *engine.Model {
	t.Helper()
	m, err := engine.NewSequential(engine.Shape{28, 28, 1},
		&engine.Conv2D{Filters: 4, KernelH: 3, KernelW: 3, Padding: engine.Same, Activation: f, Alpha: alpha},
		&engine.MaxPooling2D{PoolH: 2, PoolW: 2},
		&engine.Conv2D{Filters: 3, KernelH: 3, KernelW: 3, Padding: engine.Same, Activation: f, Alpha: alpha},
		&engine.MaxPooling2D{PoolH: 2, PoolW: 2, Padding: engine.Same},
		&engine.Flatten{},
		&engine.Dense{Units: 10, Activation: engine.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fitBits trains m on b for 2 epochs of 5 batches (the last short) with
// validation, and returns the weights, the history and the predictions of
// 3 samples.
func fitBits(t *testing.T, b engine.Backend, m *engine.Model) ([]float32, []map[string]float64, []float32) {
	t.Helper()
	if err := m.Compile(b, engine.CategoricalCrossEntropy, 8); err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	m.Init(3)
	train, val := conformance.SyntheticDigits(37, 1), conformance.SyntheticDigits(11, 2)
	h, err := engine.Fit(m, engine.NewAdam(0.01), train, val, engine.FitConfig{Epochs: 2, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 3*784)
	for i := range x {
		x[i] = float32(train.Images[i]) / 255
	}
	out := make([]float32, 3*10)
	m.Predict(x, 3, out)
	var logs []map[string]float64
	for _, l := range h.Logs {
		logs = append(logs, l)
	}
	return m.HostWeights(), logs, out
}

// sameRun reports how a run differs from the reference one.
func sameRun(t *testing.T, what string, w, wantW []float32, logs, wantLogs []map[string]float64, out, wantOut []float32) {
	t.Helper()
	if d := bitsDiffer(w, wantW); d != "" {
		t.Errorf("%s: weights %s", what, d)
	}
	if d := bitsDiffer(out, wantOut); d != "" {
		t.Errorf("%s: predictions %s", what, d)
	}
	if fmt.Sprint(logs) != fmt.Sprint(wantLogs) {
		t.Errorf("%s: history %v, want %v", what, logs, wantLogs)
	}
}

// A Conv2D with an element-wise activation and the max pool above it run
// as the fused pair on a backend that has one (forward and backward once
// per pair and step, predictions and validation included), and training
// through it ends bit for bit as on the unfused ops; a backend that
// declines the shapes gets the unfused ops, with the same result.
func TestConvPoolFusedTrainsAsUnfused(t *testing.T) {
	for _, c := range []struct {
		f     engine.Activation
		alpha float32
	}{{engine.ReLU, 0}, {engine.Sigmoid, 0}, {engine.Tanh, 0}, {engine.LeakyReLU, 0.1}} {
		t.Run(c.f.String(), func(t *testing.T) {
			wantW, wantLogs, wantOut := fitBits(t, cpu.New(), convPoolModel(t, c.f, c.alpha))
			for _, decline := range []bool{false, true} {
				b := &convPoolCPU{Backend: cpu.New(), decline: decline}
				w, logs, out := fitBits(t, b, convPoolModel(t, c.f, c.alpha))
				if b.err != nil {
					t.Fatal(b.err)
				}
				// 2 epochs × (5 training steps + 2 validation batches) + 1
				// prediction, 2 pairs each; 2 × 5 steps × 2 pairs back.
				wantF, wantB := 2*(2*(5+2)+1), 2*5*2
				if decline {
					wantF, wantB = 0, 0
				}
				if b.forwards != wantF || b.backward != wantB {
					t.Errorf("decline=%v: %d fused forward and %d backward calls, want %d and %d", decline, b.forwards, b.backward, wantF, wantB)
				}
				sameRun(t, fmt.Sprintf("decline=%v", decline), w, wantW, logs, wantLogs, out, wantOut)
			}
		})
	}
}

// Only a Conv2D with an element-wise activation directly below a max pool
// is fused: not a linear one (its activation layer comes between), nor a
// LeakyReLU with a negative slope, nor one without a pool above it.
func TestConvPoolFusedOnlyWherePaired(t *testing.T) {
	for _, c := range []struct {
		name   string
		layers []engine.Layer
		pairs  int
	}{
		{"relu then pool", []engine.Layer{&engine.Conv2D{Filters: 2, KernelH: 3, KernelW: 3, Activation: engine.ReLU},
			&engine.MaxPooling2D{}}, 1},
		{"linear then activation then pool", []engine.Layer{&engine.Conv2D{Filters: 2, KernelH: 3, KernelW: 3},
			&engine.ActivationLayer{Activation: engine.ReLU}, &engine.MaxPooling2D{}}, 0},
		{"negative slope", []engine.Layer{&engine.Conv2D{Filters: 2, KernelH: 3, KernelW: 3, Activation: engine.LeakyReLU, Alpha: -0.1},
			&engine.MaxPooling2D{}}, 0},
		{"no pool", []engine.Layer{&engine.Conv2D{Filters: 2, KernelH: 3, KernelW: 3, Activation: engine.Tanh}}, 0},
		{"pool then conv", []engine.Layer{&engine.MaxPooling2D{}, &engine.Conv2D{Filters: 2, KernelH: 3, KernelW: 3, Activation: engine.Tanh}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			layers := append(c.layers, &engine.Flatten{}, &engine.Dense{Units: 10, Activation: engine.Softmax})
			m, err := engine.NewSequential(engine.Shape{8, 8, 1}, layers...)
			if err != nil {
				t.Fatal(err)
			}
			b := &convPoolCPU{Backend: cpu.New()}
			if err := m.Compile(b, engine.CategoricalCrossEntropy, 2); err != nil {
				t.Fatal(err)
			}
			defer m.Free()
			m.Init(1)
			m.Predict(make([]float32, 2*64), 2, make([]float32, 2*10))
			if b.forwards != c.pairs {
				t.Errorf("%d fused forward calls, want %d", b.forwards, c.pairs)
			}
		})
	}
}

// bitsDiffer says where two float32 slices first differ in their bits.
func bitsDiffer(got, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Sprintf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	return ""
}
