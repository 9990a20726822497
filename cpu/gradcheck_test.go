package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// gradModels cover every layer with parameters or a backward pass: strides,
// same/valid padding, pooling, each activation and both losses.
var gradModels = []struct {
	name string
	loss engine.Loss
	spec engine.ModelSpec
}{
	{"conv-pool-dense", engine.CategoricalCrossEntropy, engine.ModelSpec{InputShape: []int{6, 5, 2}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 3, KernelSize: []int{3, 3}, Padding: "same", Activation: "tanh"},
		{Type: "MaxPooling2D", PoolSize: []int{2, 2}},
		{Type: "Conv2D", Filters: 4, KernelSize: []int{2, 2}, Activation: "leaky_relu"},
		{Type: "Flatten"},
		{Type: "Dense", Units: 5, Activation: "sigmoid"},
		{Type: "Dense", Units: 4, Activation: "relu"},
		{Type: "Dense", Units: 3, Activation: "softmax"},
	}}},
	{"strided-same", engine.CategoricalCrossEntropy, engine.ModelSpec{InputShape: []int{7, 7, 1}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 2, KernelSize: []int{3, 3}, Strides: []int{2, 2}, Padding: "same"},
		{Type: "Activation", Activation: "sigmoid"},
		{Type: "MaxPooling2D", PoolSize: []int{3, 3}, Strides: []int{1, 1}, Padding: "same"},
		{Type: "Conv2D", Filters: 3, KernelSize: []int{3, 2}, Strides: []int{2, 1}, Padding: "valid", Activation: "tanh"},
		{Type: "Flatten"},
		{Type: "Dense", Units: 4, Activation: "softmax"},
	}}},
	{"bce-softmax", engine.BinaryCrossEntropyLoss, engine.ModelSpec{InputShape: []int{4, 4, 1}, Layers: []engine.LayerSpec{
		{Type: "Flatten"},
		{Type: "Dense", Units: 6, Activation: "tanh"},
		{Type: "Dense", Units: 3, Activation: "softmax"},
	}}},
	{"bce-sigmoid", engine.BinaryCrossEntropyLoss, engine.ModelSpec{InputShape: []int{3, 3, 2}, Layers: []engine.LayerSpec{
		{Type: "Flatten"},
		{Type: "Dense", Units: 5, Activation: "relu"},
		{Type: "Dense", Units: 4, Activation: "sigmoid"},
	}}},
}

// TestGradientsMatchFiniteDifferences compares every analytic gradient of
// the CPU backend (float32) with central differences of the float64
// reference model, and the forward outputs with the reference.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range gradModels {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.spec.Build()
			if err != nil {
				t.Fatal(err)
			}
			const n = 3
			if err := m.Compile(New(), tc.loss, n); err != nil {
				t.Fatal(err)
			}
			m.Init(7)
			r := rand.New(rand.NewPCG(3, 4))
			// Biases away from zero so ReLU kinks are unlikely to be hit.
			w32 := m.HostWeights()
			for i := range w32 {
				w32[i] += float32(r.Float64()*0.2 - 0.1)
			}
			m.SetHostWeights(w32)
			classes := m.OutputShape().Size()
			x := make([]float32, n*m.Input.Size())
			for i := range x {
				x[i] = r.Float32()
			}
			tgt := make([]float32, n*classes)
			for i := 0; i < n; i++ {
				tgt[i*classes+r.IntN(classes)] = 1
			}
			out := make([]float32, n*classes)
			m.Predict(x, n, out)
			w := conformance.F64(w32)
			xs, ts := conformance.F64(x), conformance.F64(tgt)
			ref := conformance.RefForward(m, w, xs, n)
			for i := range out {
				if d := math.Abs(float64(out[i]) - ref[i]); d > 1e-5+1e-5*math.Abs(ref[i]) {
					t.Fatalf("output %d: got %g, float64 reference %g", i, out[i], ref[i])
				}
			}
			m.TrainStep(&engine.SGD{LR: 0}, engine.HostBatch{X: x, T: tgt}, 0, n)
			grad := m.HostGradients()
			const h = 1e-6
			for i := range w {
				orig := w[i]
				w[i] = orig + h
				lp := conformance.RefLoss(tc.loss, conformance.RefForward(m, w, xs, n), ts, n, classes)
				w[i] = orig - h
				lm := conformance.RefLoss(tc.loss, conformance.RefForward(m, w, xs, n), ts, n, classes)
				w[i] = orig
				num := (lp - lm) / (2 * h)
				if d := math.Abs(float64(grad[i]) - num); d > 2e-5+1e-3*math.Abs(num) {
					t.Errorf("weight %d: analytic gradient %g, finite difference %g", i, grad[i], num)
				}
			}
		})
	}
}
