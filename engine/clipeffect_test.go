package engine_test

import (
	"math"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// kerasClip is Keras's backend epsilon, where Keras 2.2 clipped the
// softmax's probabilities before the log (backend/tensorflow_backend.py).
const kerasClip = 1e-7

// TestValLossIsUnclipped: the val_loss Fit reports is the cross-entropy of
// the logits, Keras 2.3's and tf.keras's, not Keras 2.2's, which clipped
// each probability to [1e-7, 1-1e-7] and so reported at most -ln 1e-7 =
// 16.118 per sample. The MLP with Adam at lr 0.01, the report's setting,
// overfits the 1,600 training images of testdata/mnist-small in 30 epochs;
// the test logs both forms of the last epoch's val_loss (docs/keras.md
// quotes them; go test -run TestValLossIsUnclipped -v ./engine/).
func TestValLossIsUnclipped(t *testing.T) {
	set, err := mnist.LoadDir("../testdata/mnist-small", false)
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := engine.SplitValidation(set.Train, 0.2, engine.SplitTail, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Presets["mlp"].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(cpu.New(), engine.CategoricalCrossEntropy, 64); err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	const epochs = 30
	h, err := engine.Fit(m, engine.NewAdam(0.01), train, val, engine.FitConfig{Epochs: epochs, BatchSize: 64, Shuffle: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := engine.PredictAll(m, val, 64)
	var full, clipped float64
	beyond := 0
	for i := range val.Len() {
		py := float64(p[i*val.Classes+int(val.Labels[i])])
		if py < kerasClip {
			beyond++
		}
		full -= math.Log(py)
		clipped -= math.Log(min(max(py, kerasClip), float64(float32(1-kerasClip))))
	}
	n := float64(val.Len())
	full, clipped = full/n, clipped/n
	reported := h.Logs[epochs-1]["val_loss"]
	t.Logf("epoch %d: val_loss %.4f (from the logits); Keras 2.2's clipped form %.4f; %d of %d validation images beyond the clip",
		epochs, reported, clipped, beyond, val.Len())
	if math.IsInf(full, 0) || math.Abs(reported-full) > 1e-3*full {
		t.Errorf("reported val_loss %.5f; the unclipped mean of -ln p(true class) is %.5f", reported, full)
	}
	if beyond == 0 || !(reported > clipped) {
		t.Errorf("no validation image beyond the clip (%d) or reported %.4f ≤ clipped %.4f: the case no longer shows the difference", beyond, reported, clipped)
	}
}
