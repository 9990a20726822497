package cpu

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// threadSpecs are the models the thread-count tests train: the report's CNN
// and MLP, and a CNN with what they lack (strides, valid padding, a pooling
// window that is not 2×2/2, LeakyReLU, dropout, a narrow first patch).
var threadSpecs = map[string]engine.ModelSpec{
	"cnn": engine.Presets["cnn"],
	"mlp": engine.Presets["mlp"],
	"odd": {Name: "odd", InputShape: []int{28, 28, 1}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 6, KernelSize: []int{5, 5}, Strides: []int{2, 2}, Padding: "valid", Activation: "leaky_relu", Alpha: 0.1},
		{Type: "Conv2D", Filters: 40, KernelSize: []int{3, 3}, Padding: "same", Activation: "tanh"},
		{Type: "MaxPooling2D", PoolSize: []int{3, 3}, Strides: []int{2, 2}, Padding: "same"},
		{Type: "Flatten"},
		{Type: "Dropout", Rate: 0.25},
		{Type: "Dense", Units: 33, Activation: "sigmoid"},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}},
}

// trainThreads trains spec for two Adam steps (batch 64, then a partial
// batch of 37) on a backend with the given thread count and returns the
// weights and the summed loss.
func trainThreads(t testing.TB, spec engine.ModelSpec, threads int) ([]float32, float64) {
	t.Helper()
	be, err := NewWithOptions(engine.Options{Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Build()
	if err != nil {
		t.Fatal(err)
	}
	const batch = 64
	if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	data := conformance.SyntheticDigits(batch+37, 7)
	b, err := engine.NewHostBatches(data, nil, batch)
	if err != nil {
		t.Fatal(err)
	}
	b.SetPass(0, nil)
	opt := engine.NewAdam(0.01)
	for off := 0; off < data.Len(); off += batch {
		m.TrainStep(opt, b, off, min(batch, data.Len()-off))
	}
	loss, _ := m.Metrics()
	return m.HostWeights(), loss
}

// TestThreadCountDoesNotChangeBits trains the same models with 1, 2, 3, 7
// and 16 worker threads and requires the same weights, bit for bit: every
// reduction (weight and bias gradients) is cut into blocks that depend on
// the shapes only and added in block order.
func TestThreadCountDoesNotChangeBits(t *testing.T) {
	for _, name := range []string{"cnn", "mlp", "odd"} {
		t.Run(name, func(t *testing.T) {
			want, wantLoss := trainThreads(t, threadSpecs[name], 1)
			if math.IsNaN(wantLoss) || wantLoss == 0 {
				t.Fatalf("loss %v with 1 thread: the run trained nothing", wantLoss)
			}
			for _, threads := range []int{2, 3, 7, 16} {
				got, loss := trainThreads(t, threadSpecs[name], threads)
				if loss != wantLoss {
					t.Errorf("%d threads: loss sum %v, 1 thread %v", threads, loss, wantLoss)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%d threads: weight %d is %v, 1 thread %v", threads, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestTrainStepAllocatesNothing: once a model has run a step, further steps
// allocate nothing on the heap, whatever the thread count.
func TestTrainStepAllocatesNothing(t *testing.T) {
	for _, name := range []string{"cnn", "mlp"} {
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(t *testing.T) {
				be, err := NewWithOptions(engine.Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				m, err := threadSpecs[name].Build()
				if err != nil {
					t.Fatal(err)
				}
				const batch = 32
				if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
					t.Fatal(err)
				}
				m.Init(1)
				data := conformance.SyntheticDigits(batch, 3)
				b, err := engine.NewHostBatches(data, nil, batch)
				if err != nil {
					t.Fatal(err)
				}
				b.SetPass(0, nil)
				opt := engine.NewAdam(0.001)
				step := func() { m.TrainStep(opt, b, 0, batch) }
				step()
				step()
				if a := testing.AllocsPerRun(5, step); a != 0 {
					t.Errorf("%v heap allocations per training step, want 0", a)
				}
			})
		}
	}
}

// TestWorkersStopWithBackend: a Backend's helper goroutines end once the
// Backend is garbage collected.
func TestWorkersStopWithBackend(t *testing.T) {
	// Helpers of backends that earlier tests dropped may still be ending:
	// count once they have.
	before := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == before && i > 2 {
			break
		}
		before = n
	}
	func() {
		be, err := NewWithOptions(engine.Options{Threads: 5})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 1<<17)
		be.ActivationForward(engine.ReLU, 0, len(x), Wrap(x), Wrap(x)) // starts the workers
		if n := runtime.NumGoroutine(); n < before+4 {
			t.Fatalf("%d goroutines with a 5-thread backend running, %d before", n, before)
		}
	}()
	for i := 0; i < 100; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if runtime.NumGoroutine() <= before {
			return
		}
	}
	t.Errorf("%d goroutines after the backend was dropped, %d before", runtime.NumGoroutine(), before)
}
