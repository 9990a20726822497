package cpu

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

func buildCompiled(t *testing.T, spec engine.ModelSpec, loss engine.Loss, batch int) *engine.Model {
	t.Helper()
	m, err := spec.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(New(), loss, batch); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKerasLayoutWeights loads Keras-layout tensors, conv kernel
// (kh, kw, in, out) and a Dense kernel whose rows follow Keras's channels-last
// Flatten order, and checks the model computes what Keras would, written out
// with Keras's own indexing.
func TestKerasLayoutWeights(t *testing.T) {
	const H, W, C, O, D = 4, 5, 2, 3, 2
	spec := engine.ModelSpec{InputShape: []int{H, W, C}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: O, KernelSize: []int{3, 3}, Padding: "same"},
		{Type: "Flatten"},
		{Type: "Dense", Units: D},
	}}
	m := buildCompiled(t, spec, engine.BinaryCrossEntropyLoss, 2)
	r := rand.New(rand.NewPCG(1, 1))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
		return v
	}
	K, bK := rnd(3*3*C*O), rnd(O)
	Dk, bD := rnd(H*W*O*D), rnd(D)
	ts := map[string]engine.NamedTensor{
		"conv2d_1.kernel": {Shape: []int{3, 3, C, O}, Data: K},
		"conv2d_1.bias":   {Shape: []int{O}, Data: bK},
		"dense_1.kernel":  {Shape: []int{H * W * O, D}, Data: Dk},
		"dense_1.bias":    {Shape: []int{D}, Data: bD},
	}
	if err := m.SetKerasTensors("test", ts); err != nil {
		t.Fatal(err)
	}
	x := rnd(H * W * C)
	got := make([]float32, D)
	m.Predict(x, 1, got)
	flat := make([]float64, H*W*O)
	for h := 0; h < H; h++ {
		for w := 0; w < W; w++ {
			for o := 0; o < O; o++ {
				s := float64(bK[o])
				for kh := 0; kh < 3; kh++ {
					for kw := 0; kw < 3; kw++ {
						ih, iw := h+kh-1, w+kw-1
						if ih < 0 || ih >= H || iw < 0 || iw >= W {
							continue
						}
						for c := 0; c < C; c++ {
							s += float64(x[(ih*W+iw)*C+c]) * float64(K[((kh*3+kw)*C+c)*O+o])
						}
					}
				}
				flat[(h*W+w)*O+o] = s // Keras Flatten: channels-last order
			}
		}
	}
	for j := 0; j < D; j++ {
		s := float64(bD[j])
		for i, v := range flat {
			s += v * float64(Dk[i*D+j])
		}
		if math.Abs(s-float64(got[j])) > 1e-5 {
			t.Errorf("output %d = %v, Keras-indexed computation gives %v", j, got[j], s)
		}
	}
	// And the round trip returns exactly the Keras tensors.
	for _, nt := range m.KerasTensors() {
		want := ts[nt.Name]
		for i := range want.Data {
			if nt.Data[i] != want.Data[i] {
				t.Fatalf("%s[%d] round-trips to %v, want %v", nt.Name, i, nt.Data[i], want.Data[i])
			}
		}
	}
}

func TestSaveLoadWeights(t *testing.T) {
	m := buildCompiled(t, engine.Presets["cnn"], engine.CategoricalCrossEntropy, 4)
	m.Init(11)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := m.SaveWeights(path, nil); err != nil {
		t.Fatal(err)
	}
	ts, meta, err := engine.ReadWeightsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := ts["conv2d_2.kernel"].Shape; len(s) != 4 || s[0] != 3 || s[1] != 3 || s[2] != 32 || s[3] != 64 {
		t.Errorf("conv2d_2.kernel has shape %v, want Keras [3 3 32 64]", s)
	}
	if s := ts["dense_1.kernel"].Shape; s[0] != 3136 || s[1] != 128 {
		t.Errorf("dense_1.kernel has shape %v, want [3136 128]", s)
	}
	if _, err := engine.ParseModelSpec("meta", []byte(meta["model"])); err != nil {
		t.Errorf("metadata model spec: %v", err)
	}
	m2 := buildCompiled(t, engine.Presets["cnn"], engine.CategoricalCrossEntropy, 4)
	if err := m2.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	a, b := m.HostWeights(), m2.HostWeights()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("weight %d: %v after load, %v before save", i, b[i], a[i])
		}
	}
	mlp := buildCompiled(t, engine.Presets["mlp"], engine.CategoricalCrossEntropy, 4)
	if err := mlp.LoadWeights(path); err == nil {
		t.Error("cnn weights loaded into the mlp")
	}
}

func TestCheckpointSaveBestOnly(t *testing.T) {
	m := buildCompiled(t, engine.Presets["mlp"], engine.CategoricalCrossEntropy, 4)
	m.Init(1)
	dir := t.TempDir()
	ck := &engine.ModelCheckpoint{Path: filepath.Join(dir, "weights0.{epoch:02d}-{val_loss:.2f}.safetensors"), SaveBestOnly: true}
	st := &engine.TrainState{Model: m}
	if err := ck.TrainBegin(st); err != nil {
		t.Fatal(err)
	}
	for epoch, v := range []float64{0.5, 0.6, 0.5, 0.25} {
		if err := ck.EpochEnd(st, epoch, engine.Logs{"val_loss": v, "loss": 1}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"weights0.01-0.50.safetensors", "weights0.04-0.25.safetensors"}
	if len(ck.Saved) != len(want) {
		t.Fatalf("saved %v, want %v", ck.Saved, want)
	}
	for i, p := range ck.Saved {
		if filepath.Base(p) != want[i] {
			t.Errorf("checkpoint %d is %s, want %s", i, filepath.Base(p), want[i])
		}
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Errorf("%d files in the checkpoint folder, want 2 (no temporaries left)", len(files))
	}
}

func loadSmall(t testing.TB) *mnist.Set {
	t.Helper()
	s, err := mnist.LoadDir(filepath.Join("..", "testdata", "mnist-small"), false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// trainSmall trains a small CNN with dropout on 256 images and returns the weights.
func trainSmall(t *testing.T, set *mnist.Set) []float32 {
	w, _ := trainSmallWith(t, set, false)
	return w
}

// trainSmallWith trains it with the data set on the host or resident on the
// device, returning the weights and the history.
func trainSmallWith(t *testing.T, set *mnist.Set, resident bool) ([]float32, *engine.History) {
	spec := engine.ModelSpec{InputShape: []int{28, 28, 1}, Layers: []engine.LayerSpec{
		{Type: "Conv2D", Filters: 4, KernelSize: []int{3, 3}, Padding: "same", Activation: "relu"},
		{Type: "MaxPooling2D"},
		{Type: "Flatten"},
		{Type: "Dropout", Rate: 0.3},
		{Type: "Dense", Units: 10, Activation: "softmax"},
	}}
	var be engine.Backend = New()
	if resident {
		be = residentCPU{New()}
	}
	m, err := spec.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(be, engine.CategoricalCrossEntropy, 32); err != nil {
		t.Fatal(err)
	}
	m.Init(5)
	train, val, err := engine.SplitValidation(set.Train.Head(256), 0.25, engine.SplitTail, 5)
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.Fit(m, engine.NewAdam(0.01), train, val,
		engine.FitConfig{Epochs: 2, BatchSize: 32, Shuffle: true, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return m.HostWeights(), h
}

// residentCPU is the CPU backend asking, as a GPU does, for data sets kept
// on the device (Traits.ResidentData), so Fit gathers batches with GatherRows.
type residentCPU struct{ *Backend }

func (residentCPU) Traits() engine.Traits { return engine.Traits{ResidentData: true, LossReadEvery: 1} }

// Batches gathered on the device from a resident data set are the batches
// gathered on the host: the same run, bit for bit, validation included.
func TestResidentDataIsBitIdentical(t *testing.T) {
	set := loadSmall(t)
	a, ha := trainSmallWith(t, set, false)
	b, hb := trainSmallWith(t, set, true)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("weight %d: host batches %v, resident %v", i, a[i], b[i])
		}
	}
	for e := range ha.Logs {
		for k, v := range ha.Logs[e] {
			if hb.Logs[e][k] != v {
				t.Errorf("epoch %d %s: host batches %v, resident %v", e+1, k, v, hb.Logs[e][k])
			}
		}
	}
}

func TestSeededTrainingIsBitIdentical(t *testing.T) {
	set := loadSmall(t)
	a := trainSmall(t, set)
	b := trainSmall(t, set)
	prev := runtime.GOMAXPROCS(1)
	c := trainSmall(t, set)
	runtime.GOMAXPROCS(prev)
	for i := range a {
		if a[i] != b[i] || a[i] != c[i] {
			t.Fatalf("weight %d differs: %v, %v, %v (GOMAXPROCS %d, %d, 1)", i, a[i], b[i], c[i], prev, prev)
		}
	}
}

func TestLearnsMNISTSubset(t *testing.T) {
	set := loadSmall(t)
	m := buildCompiled(t, engine.Presets["mlp"], engine.CategoricalCrossEntropy, 64)
	m.Init(1)
	train, val, err := engine.SplitValidation(set.Train, 0.2, engine.SplitTail, 1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.Fit(m, engine.NewAdam(0), train, val, engine.FitConfig{Epochs: 5, BatchSize: 64, Shuffle: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	first, last := h.Logs[0], h.Logs[len(h.Logs)-1]
	if !(last["loss"] < first["loss"]) {
		t.Errorf("training loss did not fall: %v → %v", first["loss"], last["loss"])
	}
	if _, acc := engine.Evaluate(m, set.Test, 100); acc < 0.85 {
		t.Errorf("test accuracy %.3f after 5 epochs on 1,600 images, want ≥ 0.85", acc)
	}
}
