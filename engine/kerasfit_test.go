package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

// kerasFitReference is Keras 2's model.fit(x, y, batch_size, epochs,
// validation_split, shuffle=False) for a softmax regression (Flatten,
// Dense(classes, softmax), SGD without momentum), in float64 and sharing no
// code with the engine, from Keras 2.2.4's keras/engine/training.py,
// training_arrays.py (fit_loop, test_loop) and callbacks.py (BaseLogger):
// the validation set is the last ⌊N·split⌋-complement samples, taken before
// any shuffling; batches are consecutive, the last one smaller; each
// batch's loss and accuracy are its means, taken before its update, and an
// epoch's are their mean weighted by batch size; val_loss and val_accuracy
// are those of the epoch's final weights, batch means weighted the same way.
// It returns each epoch's logs.
func kerasFitReference(d engine.Dataset, split float64, batch, epochs int, lr float64, kernel, bias []float32) []engine.Logs {
	in, classes := d.Shape.Size(), d.Classes
	at := int(float64(d.Len()) * (1 - split)) // Keras: int(len(x) * (1. - validation_split))
	w := make([]float64, len(kernel))         // [in, classes], Keras layout
	for i, v := range kernel {
		w[i] = float64(v)
	}
	b := make([]float64, classes)
	for i, v := range bias {
		b[i] = float64(v)
	}
	// forward returns sample i's probabilities, loss (from the logits) and
	// whether its first maximum is its label.
	forward := func(i int) (p []float64, loss float64, correct bool) {
		z := make([]float64, classes)
		for j := range z {
			z[j] = b[j]
			for k := 0; k < in; k++ {
				z[j] += float64(d.Images[i*in+k]) / 255 * w[k*classes+j]
			}
		}
		top := 0
		for j := range z {
			if z[j] > z[top] {
				top = j
			}
		}
		var s float64
		p = make([]float64, classes)
		for j := range z {
			p[j] = math.Exp(z[j] - z[top])
			s += p[j]
		}
		for j := range p {
			p[j] /= s
		}
		y := int(d.Labels[i])
		return p, z[top] + math.Log(s) - z[y], top == y
	}
	// batchMeans is the mean loss and accuracy of samples [lo, hi).
	batchMeans := func(lo, hi int) (loss, acc float64) {
		for i := lo; i < hi; i++ {
			_, l, c := forward(i)
			loss += l
			if c {
				acc++
			}
		}
		n := float64(hi - lo)
		return loss / n, acc / n
	}
	var logs []engine.Logs
	for e := 0; e < epochs; e++ {
		var totalLoss, totalAcc float64
		seen := 0
		for lo := 0; lo < at; lo += batch {
			hi := min(lo+batch, at)
			n := hi - lo
			loss, acc := batchMeans(lo, hi)
			totalLoss += loss * float64(n)
			totalAcc += acc * float64(n)
			seen += n
			gw, gb := make([]float64, len(w)), make([]float64, classes)
			for i := lo; i < hi; i++ {
				p, _, _ := forward(i)
				for j := range p {
					g := p[j] / float64(n)
					if j == int(d.Labels[i]) {
						g -= 1 / float64(n)
					}
					gb[j] += g
					for k := 0; k < in; k++ {
						gw[k*classes+j] += float64(d.Images[i*in+k]) / 255 * g
					}
				}
			}
			for i := range w {
				w[i] -= lr * gw[i]
			}
			for j := range b {
				b[j] -= lr * gb[j]
			}
		}
		var valLoss, valAcc float64
		for lo := at; lo < d.Len(); lo += batch {
			hi := min(lo+batch, d.Len())
			loss, acc := batchMeans(lo, hi)
			valLoss += loss * float64(hi-lo)
			valAcc += acc * float64(hi-lo)
		}
		nVal := float64(d.Len() - at)
		logs = append(logs, engine.Logs{"loss": totalLoss / float64(seen), "accuracy": totalAcc / float64(seen),
			"val_loss": valLoss / nVal, "val_accuracy": valAcc / nVal})
	}
	return logs
}

// TestFitLogsAsKeras checks the numbers Fit reports for each epoch (the
// history, the progress line, what ModelCheckpoint monitors) against
// kerasFitReference: 67 samples split 53/14, batches of 16 with a last one
// of 5, so that a mean of batch means unweighted, a loss taken after the
// update, or a validation set taken from the front would each show.
func TestFitLogsAsKeras(t *testing.T) {
	const n, classes, batch, epochs, lr, split = 67, 3, 16, 3, 0.5, 0.2
	r := rand.New(rand.NewPCG(5, 6))
	data := engine.Dataset{Images: make([]uint8, n*9), Labels: make([]uint8, n), Shape: engine.Shape{3, 3, 1}, Classes: classes}
	for i := range data.Labels {
		c := r.IntN(classes)
		data.Labels[i] = uint8(c)
		for p := 0; p < 9; p++ {
			v := r.IntN(160)
			if p%classes == c {
				v += 90 // a learnable pattern, with noise to keep errors
			}
			data.Images[i*9+p] = uint8(v)
		}
	}
	m, err := engine.NewSequential(engine.Shape{3, 3, 1}, &engine.Flatten{}, &engine.Dense{Units: classes, Activation: engine.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, batch); err != nil {
		t.Fatal(err)
	}
	m.Init(9)
	start := m.KerasTensors() // dense_1.kernel [9, 3], dense_1.bias [3]
	want := kerasFitReference(data, split, batch, epochs, lr, start[0].Data, start[1].Data)

	train, val, err := engine.SplitValidation(data, split, engine.SplitTail, 1)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 53 || val.Len() != 14 {
		t.Fatalf("split %d/%d, Keras's is 53/14", train.Len(), val.Len())
	}
	h, err := engine.Fit(m, engine.NewSGD(lr, 0, false), train, val, engine.FitConfig{Epochs: epochs, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	for e, logs := range h.Logs {
		for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy"} {
			// float32 against float64: a few units in the 6th digit.
			if got, ref := logs[k], want[e][k]; math.Abs(got-ref) > 2e-6+2e-6*math.Abs(ref) {
				t.Errorf("epoch %d: %s = %.7f, Keras's fit gives %.7f", e+1, k, got, ref)
			}
		}
	}
	if len(h.Logs) != epochs {
		t.Fatalf("%d epochs in the history, want %d", len(h.Logs), epochs)
	}
}

// TestInitIsGlorotUniform: Keras 2's glorot_uniform kernels, U(-l, l) with
// l = √(6/(fan_in+fan_out)), where a Conv2D kernel (kh, kw, in, out) has
// fan_in = kh·kw·in and fan_out = kh·kw·out (keras/initializers.py,
// _compute_fans, channels_last), and zero biases: for the report's CNN,
// every kernel inside its limit and reaching close to it, and a spread of
// l/√3, the uniform's.
func TestInitIsGlorotUniform(t *testing.T) {
	m, err := engine.Presets["cnn"].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, 1); err != nil {
		t.Fatal(err)
	}
	m.Init(4)
	limits := map[string]float64{
		"conv2d_1.kernel": math.Sqrt(6.0 / (3*3*1 + 3*3*32)),
		"conv2d_2.kernel": math.Sqrt(6.0 / (3*3*32 + 3*3*64)),
		"dense_1.kernel":  math.Sqrt(6.0 / (3136 + 128)),
		"dense_2.kernel":  math.Sqrt(6.0 / (128 + 10)),
	}
	for _, p := range m.KerasTensors() {
		l, kernel := limits[p.Name]
		if !kernel {
			for _, v := range p.Data {
				if v != 0 {
					t.Fatalf("%s holds %v; Keras's biases start at zero", p.Name, v)
				}
			}
			continue
		}
		var peak, sq float64
		for _, v := range p.Data {
			peak = math.Max(peak, math.Abs(float64(v)))
			sq += float64(v) * float64(v)
		}
		std := math.Sqrt(sq / float64(len(p.Data)))
		if peak > l || peak < 0.98*l || math.Abs(std-l/math.Sqrt(3)) > 0.1*l/math.Sqrt(3) {
			t.Errorf("%s: largest |w| %.5f, spread %.5f; glorot_uniform's limit is %.5f, its spread %.5f", p.Name, peak, std, l, l/math.Sqrt(3))
		}
	}
}

// TestCheckpointSkipsNaN: ModelCheckpoint(save_best_only=True) compares
// with np.less, so a NaN val_loss is never an improvement, at the first
// epoch too (best stays inf), and the next finite value is (Keras 2.2.4,
// keras/callbacks.py).
func TestCheckpointSkipsNaN(t *testing.T) {
	m, err := engine.NewSequential(engine.Shape{3, 3, 1}, &engine.Flatten{}, &engine.Dense{Units: 3, Activation: engine.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ck := &engine.ModelCheckpoint{Path: dir + "/w{epoch}-{val_loss:.2f}.safetensors", SaveBestOnly: true}
	st := &engine.TrainState{Model: m}
	if err := ck.TrainBegin(st); err != nil {
		t.Fatal(err)
	}
	for epoch, v := range []float64{math.NaN(), 0.7, math.NaN(), 0.7, 0.6} {
		if err := ck.EpochEnd(st, epoch, engine.Logs{"val_loss": v}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, p := range ck.Saved {
		names = append(names, p[len(dir)+1:])
	}
	if want := "[w2-0.70.safetensors w5-0.60.safetensors]"; fmt.Sprint(names) != want || ck.BestValue() != 0.6 {
		t.Errorf("saved %v (best %v), Keras saves %s", names, ck.BestValue(), want)
	}
}
