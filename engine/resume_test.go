package engine_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

// scripted sets logs[key] to values[epoch]: a monitored metric whose course
// a test chooses, so a resume can be tested at a plateau or a worse epoch.
// It must come before the callbacks that monitor it.
type scripted struct {
	key    string
	values []float64
}

func (s *scripted) TrainBegin(*engine.TrainState) error { return nil }
func (s *scripted) TrainEnd(*engine.TrainState) error   { return nil }
func (s *scripted) EpochEnd(_ *engine.TrainState, epoch int, logs engine.Logs) error {
	logs[s.key] = s.values[epoch]
	return nil
}

// resumeData is 160 8×8 images of 3 classes, each class a slightly brighter
// band of rows under strong noise (so validation accuracy rises unevenly),
// split 120 / 40.
func resumeData(t *testing.T) (train, val engine.Dataset) {
	const n, h, w = 160, 8, 8
	r := rand.New(rand.NewPCG(11, 12))
	d := engine.Dataset{Images: make([]uint8, n*h*w), Labels: make([]uint8, n), Shape: engine.Shape{h, w, 1}, Classes: 3}
	for i := range d.Labels {
		c := r.IntN(3)
		d.Labels[i] = uint8(c)
		for p := 0; p < h*w; p++ {
			v := r.IntN(200)
			if p/w >= c*3 && p/w < c*3+2 {
				v += 40
			}
			d.Images[i*h*w+p] = uint8(v)
		}
	}
	train, val, err := engine.SplitValidation(d, 0.25, engine.SplitTail, 1)
	if err != nil {
		t.Fatal(err)
	}
	return train, val
}

// resumeCase is a run of Epochs epochs, compared with the same run stopped
// after Split epochs and resumed from its checkpoint.
type resumeCase struct {
	name          string
	epochs, split int
	// callbacks makes the run's callbacks afresh, writing files into dir.
	callbacks func(dir string) []engine.Callback
	// check tests what the case is about in the resumed run.
	check func(t *testing.T, r *fitResult)
}

// fitResult is what a run leaves behind.
type fitResult struct {
	dir       string
	model     *engine.Model
	opt       engine.Optimizer
	callbacks []engine.Callback
	history   *engine.History
}

const stateName = "state.safetensors"

// testBackend is the CPU backend: the device on which a resume is bit-identical.
func testBackend() engine.Backend { return cpu.New() }

// fitInto trains in dir up to epoch `epochs` with a model, optimizer and
// callbacks made afresh (as a new process makes them), continuing from
// dir's checkpoint when resume is set, and saves a checkpoint there after
// every epoch.
func fitInto(t *testing.T, c resumeCase, dir string, epochs int, resume bool) *fitResult {
	t.Helper()
	train, val := resumeData(t)
	m, err := engine.NewSequential(engine.Shape{8, 8, 1}, &engine.Flatten{},
		&engine.Dense{Units: 12, Activation: engine.ReLU}, &engine.Dropout{Rate: 0.25},
		&engine.Dense{Units: 3, Activation: engine.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(testBackend(), engine.CategoricalCrossEntropy, 16); err != nil {
		t.Fatal(err)
	}
	m.Init(7)
	r := &fitResult{dir: dir, model: m, opt: engine.NewAdam(0.01), callbacks: c.callbacks(dir)}
	state := filepath.Join(dir, stateName)
	cfg := engine.FitConfig{Epochs: epochs, BatchSize: 16, Shuffle: true, Seed: 3, Callbacks: r.callbacks,
		Augment:    &engine.Augmentation{Rotation: 10, WidthShift: 0.1, Seed: 3},
		AfterEpoch: func(ck *engine.TrainCheckpoint) error { return ck.Save(state) }}
	if resume {
		if cfg.Resume, err = engine.LoadTrainCheckpoint(state); err != nil {
			t.Fatal(err)
		}
	}
	if r.history, err = engine.Fit(m, r.opt, train, val, cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// A run stopped after some epochs and resumed from its checkpoint ends as
// the uninterrupted run does: the same weights bit for bit, history,
// learning rate, callback state and checkpoint files. The callbacks' own
// state must survive the resume, though Fit calls their TrainBegin again.
func TestResumeIsBitIdentical(t *testing.T) {
	checkpoint := func(dir string, monitor string) *engine.ModelCheckpoint {
		return &engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:02d}.safetensors"), Monitor: monitor, SaveBestOnly: true}
	}
	for _, c := range []resumeCase{{
		// Validation accuracy 0.25, 0.425, 0.45, 0.525, 0.725, 0.725, 0.75:
		// epoch 6, the first after the resume, does not improve, so it is not
		// saved and the plateau halves the rate.
		name: "val_accuracy", epochs: 7, split: 5,
		callbacks: func(dir string) []engine.Callback {
			return []engine.Callback{checkpoint(dir, "val_accuracy"),
				&engine.ReduceLROnPlateau{Monitor: "val_accuracy", Factor: 0.5, Patience: 1},
				&engine.EarlyStopping{Monitor: "val_accuracy", Patience: 10}}
		},
		check: func(t *testing.T, r *fitResult) {
			best := 0.0
			for _, l := range r.history.Logs[:5] {
				best = max(best, l["val_accuracy"])
			}
			if l := r.history.Logs[5]; l["val_accuracy"] > best || l["lr"] != 0.01 || r.opt.LearningRate() != 0.005 {
				t.Errorf("epoch 6: val_accuracy %v (best before %v), lr %v then %v; the case needs no improvement, 0.01 then 0.005",
					l["val_accuracy"], best, l["lr"], r.opt.LearningRate())
			}
		},
	}, {
		// Epoch 5 is worse than epoch 4 and epoch 6 no better: neither is saved.
		name: "ModelCheckpoint keeps its best", epochs: 6, split: 4,
		callbacks: func(dir string) []engine.Callback {
			return []engine.Callback{&scripted{"score", []float64{5, 4, 3, 2, 2.5, 2.2}}, checkpoint(dir, "score")}
		},
		check: func(t *testing.T, r *fitResult) {
			mc := r.callbacks[1].(*engine.ModelCheckpoint)
			if mc.BestValue() != 2 || filepath.Base(mc.Best) != "w04.safetensors" {
				t.Errorf("best %s (score %v), want w04.safetensors (score 2)", filepath.Base(mc.Best), mc.BestValue())
			}
			for _, f := range []string{"w05.safetensors", "w06.safetensors"} {
				if _, err := os.Stat(filepath.Join(r.dir, f)); err == nil {
					t.Errorf("%s was written, though its score is worse than epoch 4's", f)
				}
			}
		},
	}, {
		// No improvement after epoch 3: patience 3 runs out at epoch 6 (0-based 5).
		name: "EarlyStopping keeps its wait", epochs: 8, split: 4,
		callbacks: func(dir string) []engine.Callback {
			return []engine.Callback{&scripted{"score", []float64{5, 4, 3, 3, 3, 3, 3, 3}},
				&engine.EarlyStopping{Monitor: "score", Patience: 3}}
		},
		check: func(t *testing.T, r *fitResult) {
			es := r.callbacks[1].(*engine.EarlyStopping)
			if es.StoppedEpoch != 5 || es.BestEpoch != 2 || len(r.history.Logs) != 6 {
				t.Errorf("stopped at epoch %d after %d epochs (best %d), want 5 after 6 (best 2)",
					es.StoppedEpoch, len(r.history.Logs), es.BestEpoch)
			}
		},
	}, {
		// A plateau from epoch 2: the rate halves after epochs 4 and 6 (1-based).
		name: "ReduceLROnPlateau keeps its wait", epochs: 6, split: 3,
		callbacks: func(dir string) []engine.Callback {
			return []engine.Callback{&scripted{"score", []float64{5, 4, 4, 4, 4, 4}},
				&engine.ReduceLROnPlateau{Monitor: "score", Factor: 0.5, Patience: 2}}
		},
		check: func(t *testing.T, r *fitResult) {
			if lr := r.opt.LearningRate(); lr != 0.0025 {
				t.Errorf("final learning rate %g, want 0.0025 (0.01 halved twice)", lr)
			}
			if lr := r.history.Logs[4]["lr"]; lr != 0.005 {
				t.Errorf("epoch 5 ran at learning rate %g, want 0.005", lr)
			}
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			whole := fitInto(t, c, t.TempDir(), c.epochs, false)
			dir := t.TempDir()
			fitInto(t, c, dir, c.split, false)
			resumed := fitInto(t, c, dir, c.epochs, true)
			if c.check != nil {
				c.check(t, whole)
				c.check(t, resumed)
			}
			compareRuns(t, whole, resumed)
		})
	}
}

// compareRuns requires b to have ended exactly as a did.
func compareRuns(t *testing.T, a, b *fitResult) {
	t.Helper()
	wa, wb := a.model.HostWeights(), b.model.HostWeights()
	for i := range wa {
		if wa[i] != wb[i] {
			t.Errorf("weight %d: uninterrupted %v, resumed %v", i, wa[i], wb[i])
			break
		}
	}
	if a.model.Steps() != b.model.Steps() || a.opt.LearningRate() != b.opt.LearningRate() {
		t.Errorf("steps %d, lr %g uninterrupted; %d, %g resumed", a.model.Steps(), a.opt.LearningRate(), b.model.Steps(), b.opt.LearningRate())
	}
	if !reflect.DeepEqual(a.history.Epochs, b.history.Epochs) || !reflect.DeepEqual(a.history.Logs, b.history.Logs) {
		t.Errorf("history:\nuninterrupted %v\nresumed       %v", a.history.Logs, b.history.Logs)
	}
	for i, cb := range a.callbacks {
		if sc, ok := cb.(engine.StatefulCallback); ok {
			if sa, sb := sc.CallbackState(), b.callbacks[i].(engine.StatefulCallback).CallbackState(); !reflect.DeepEqual(sa, sb) {
				t.Errorf("%s state: uninterrupted %v, resumed %v", sc.StateKey(), sa, sb)
			}
		}
		if mc, ok := cb.(*engine.ModelCheckpoint); ok {
			mb := b.callbacks[i].(*engine.ModelCheckpoint)
			if filepath.Base(mc.Best) != filepath.Base(mb.Best) || mc.BestValue() != mb.BestValue() {
				t.Errorf("best checkpoint: uninterrupted %s (%v), resumed %s (%v)",
					filepath.Base(mc.Best), mc.BestValue(), filepath.Base(mb.Best), mb.BestValue())
			}
		}
	}
	fa, fb := weightFiles(t, a.dir), weightFiles(t, b.dir)
	if !reflect.DeepEqual(keys(fa), keys(fb)) {
		t.Fatalf("files written: uninterrupted %v, resumed %v", keys(fa), keys(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between the uninterrupted and the resumed run", name)
		}
	}
}

// weightFiles reads the files in dir but the training checkpoint, whose
// history holds wall times.
func weightFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if e.Name() == stateName {
			continue
		}
		if out[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return sortedStrings(k)
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// A checkpoint that does not fit the run is refused with the reason, and
// one with no epoch left to run is an error, not a silent no-op.
func TestResumeRejectsMismatch(t *testing.T) {
	train, val := resumeData(t)
	model := func(units int) *engine.Model {
		m, err := engine.NewSequential(engine.Shape{8, 8, 1}, &engine.Flatten{}, &engine.Dense{Units: units, Activation: engine.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(testBackend(), engine.CategoricalCrossEntropy, 16); err != nil {
			t.Fatal(err)
		}
		return m
	}
	var ck *engine.TrainCheckpoint
	_, err := engine.Fit(model(3), engine.NewAdam(0.01), train, val, engine.FitConfig{Epochs: 2, BatchSize: 16,
		AfterEpoch: func(c *engine.TrainCheckpoint) error { ck = c; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	other, err := engine.NewSequential(engine.Shape{8, 8, 1}, &engine.Flatten{}, &engine.Dense{Units: 5},
		&engine.Dense{Units: 3, Activation: engine.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Compile(testBackend(), engine.CategoricalCrossEntropy, 16); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		m      *engine.Model
		opt    engine.Optimizer
		epochs int
		want   string
	}{
		{"weight count", other, engine.NewAdam(0.01), 4, "weights, the model has"},
		{"optimizer", model(3), engine.NewSGD(0.01, 0, false), 4, `optimizer state is for "adam", the run uses "sgd"`},
		{"nothing left", model(3), engine.NewAdam(0.01), 2, "nothing to train"},
	} {
		_, err := engine.Fit(c.m, c.opt, train, val, engine.FitConfig{Epochs: c.epochs, BatchSize: 16, Resume: ck})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
