package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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
func resumeData(t testing.TB) (train, val engine.Dataset) {
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
func fitInto(t testing.TB, c resumeCase, dir string, epochs int, resume bool) *fitResult {
	t.Helper()
	r, err := fitWith(t, c, dir, epochs, resume, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fitWith is fitInto with the FitConfig changed by adjust (when not nil)
// before Fit runs, returning Fit's error.
func fitWith(t testing.TB, c resumeCase, dir string, epochs int, resume bool, adjust func(*engine.FitConfig, *fitResult)) (*fitResult, error) {
	t.Helper()
	train, val := resumeData(t)
	r := newRun(t, c, dir)
	state := filepath.Join(dir, stateName)
	cfg := engine.FitConfig{Epochs: epochs, BatchSize: 16, Shuffle: true, Seed: 3, Callbacks: r.callbacks,
		Augment:    &engine.Augmentation{Rotation: 10, WidthShift: 0.1, Seed: 3},
		AfterEpoch: func(ck *engine.TrainCheckpoint) error { return ck.Save(state) }}
	var err error
	if resume {
		if cfg.Resume, err = engine.LoadTrainCheckpoint(state); err != nil {
			t.Fatal(err)
		}
	}
	if adjust != nil {
		adjust(&cfg, r)
	}
	r.history, err = engine.Fit(r.model, r.opt, train, val, cfg)
	return r, err
}

// newRun makes the model, optimizer and callbacks of a run in dir.
func newRun(t testing.TB, c resumeCase, dir string) *fitResult {
	t.Helper()
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
	return &fitResult{dir: dir, model: m, opt: engine.NewAdam(0.01), callbacks: c.callbacks(dir)}
}

// A run stopped after some epochs and resumed from its checkpoint ends as
// the uninterrupted run does: the same weights bit for bit, history,
// learning rate, callback state and checkpoint files. The callbacks' own
// state must survive the resume, though Fit calls their TrainBegin again.
func TestResumeIsBitIdentical(t *testing.T) {
	for _, c := range resumeCases {
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

// resumeCaseNamed finds one of resumeCases by name.
func resumeCaseNamed(t testing.TB, name string) resumeCase {
	for _, c := range resumeCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no resume case %q", name)
	return resumeCase{}
}

// checkpointBest saves to dir when monitor improves.
func checkpointBest(dir string, monitor string) *engine.ModelCheckpoint {
	return &engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:02d}.safetensors"), Monitor: monitor, SaveBestOnly: true}
}

// resumeCases are the runs TestResumeIsBitIdentical interrupts.
var resumeCases = []resumeCase{{
	// Validation accuracy 0.25, 0.425, 0.45, 0.525, 0.725, 0.725, 0.75:
	// epoch 6, the first after the resume, does not improve, so it is not
	// saved and the plateau halves the rate.
	name: "val_accuracy", epochs: 7, split: 5,
	callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{checkpointBest(dir, "val_accuracy"),
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
		return []engine.Callback{&scripted{"score", []float64{5, 4, 3, 2, 2.5, 2.2}}, checkpointBest(dir, "score")}
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
}, {
	// The best epoch (3, 0-based 2) comes before the resume and patience 3
	// runs out at epoch 6 (0-based 5), after it: the weights to restore
	// are only in the checkpoint.
	name: "EarlyStopping restores best weights from before the resume", epochs: 8, split: 4,
	callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{&scripted{"score", []float64{5, 4, 3, 3.5, 3.5, 3.5, 3.5, 3.5}},
			&engine.EarlyStopping{Monitor: "score", Patience: 3, RestoreBestWeights: true}}
	},
	check: func(t *testing.T, r *fitResult) {
		es := r.callbacks[1].(*engine.EarlyStopping)
		if es.StoppedEpoch != 5 || es.BestEpoch != 2 {
			t.Errorf("stopped at epoch %d (best %d), want 5 (best 2)", es.StoppedEpoch, es.BestEpoch)
		}
		ts := stateTensors(t, r.dir)
		if w, ok := ts["callback.early_stopping.best_weights"]; !ok || len(w.Data) != r.model.NumParams() {
			t.Errorf("%s: best weights %v, want %d values", stateName, ok, r.model.NumParams())
		}
	},
}, {
	// Two callbacks of each type, each on its own metric: a improves to
	// epoch 4, b only at epoch 1. Each keeps its own state over the
	// resume; sharing one, a's checkpoint would skip epoch 4 and a's
	// early stopping would stop at once.
	name: "two callbacks of each type", epochs: 7, split: 3,
	callbacks: func(dir string) []engine.Callback {
		mc := func(prefix, monitor string) *engine.ModelCheckpoint {
			return &engine.ModelCheckpoint{Path: filepath.Join(dir, prefix+"{epoch:02d}.safetensors"), Monitor: monitor, SaveBestOnly: true}
		}
		return []engine.Callback{&scripted{"a", []float64{5, 4, 3, 2, 3.5, 3.5, 3.5}},
			&scripted{"b", []float64{1, 6, 7, 2.5, 9, 9, 9}},
			mc("a", "a"), mc("b", "b"),
			&engine.ReduceLROnPlateau{Monitor: "a", Factor: 0.5, Patience: 1},
			&engine.ReduceLROnPlateau{Monitor: "b", Factor: 0.5, Patience: 10},
			&engine.EarlyStopping{Monitor: "a", Patience: 2},
			&engine.EarlyStopping{Monitor: "b", Patience: 10}}
	},
	check: func(t *testing.T, r *fitResult) {
		a, b := r.callbacks[2].(*engine.ModelCheckpoint), r.callbacks[3].(*engine.ModelCheckpoint)
		if filepath.Base(a.Best) != "a04.safetensors" || filepath.Base(b.Best) != "b01.safetensors" {
			t.Errorf("best files %s and %s, want a04 and b01", filepath.Base(a.Best), filepath.Base(b.Best))
		}
		if es := r.callbacks[6].(*engine.EarlyStopping); es.StoppedEpoch != 5 || len(r.history.Logs) != 6 {
			t.Errorf("a's early stopping stopped at epoch %d after %d epochs, want 5 after 6", es.StoppedEpoch, len(r.history.Logs))
		}
	},
}, {
	// A file every epoch, the last two kept: files written before the
	// resume are deleted after it as in the uninterrupted run.
	name: "ModelCheckpoint KeepLast deletes files from before the resume", epochs: 6, split: 3,
	callbacks: func(dir string) []engine.Callback {
		return []engine.Callback{&engine.ModelCheckpoint{Path: filepath.Join(dir, "w{epoch:02d}.safetensors"), KeepLast: 2}}
	},
	check: func(t *testing.T, r *fitResult) {
		want := []string{"w05.safetensors", "w06.safetensors"}
		if got := keys(weightFiles(t, r.dir)); !reflect.DeepEqual(got, want) {
			t.Errorf("files %v, want %v", got, want)
		}
		if got := baseNames(r.callbacks[0].(*engine.ModelCheckpoint).Saved); !reflect.DeepEqual(got, want) {
			t.Errorf("Saved %v, want %v", got, want)
		}
	},
}}

// A checkpoint of version 1 (one state per callback type, that of the
// last callback of the type; no callback vectors) still resumes: a lone
// ModelCheckpoint finds the files it kept on disk, and of two callbacks of
// a type the last gets the state and the first starts afresh.
func TestResumeReadsVersion1(t *testing.T) {
	t.Run("KeepLast", func(t *testing.T) {
		c := resumeCaseNamed(t, "ModelCheckpoint KeepLast deletes files from before the resume")
		whole := fitInto(t, c, t.TempDir(), c.epochs, false)
		dir := t.TempDir()
		fitInto(t, c, dir, c.split, false)
		writeVersion1(t, filepath.Join(dir, stateName))
		compareRuns(t, whole, fitInto(t, c, dir, c.epochs, true))
	})
	t.Run("two of a type", func(t *testing.T) {
		c := resumeCaseNamed(t, "two callbacks of each type")
		dir := t.TempDir()
		fitInto(t, c, dir, c.split, false)
		writeVersion1(t, filepath.Join(dir, stateName))
		ck, err := engine.LoadTrainCheckpoint(filepath.Join(dir, stateName))
		if err != nil {
			t.Fatal(err)
		}
		r := newRun(t, c, dir)
		for _, cb := range r.callbacks {
			if err := cb.TrainBegin(&engine.TrainState{Model: r.model, Optimizer: r.opt}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ck.Restore(r.model, r.opt, r.callbacks); err != nil {
			t.Fatal(err)
		}
		inf := math.Inf(1)
		for i, want := range map[int]map[string]float64{
			2: {"best": inf, "best_epoch": 0, "naming": 0}, 3: {"best": 1, "best_epoch": 1, "naming": 0},
			4: {"best": inf, "wait": 0, "cooldown": 0}, 5: {"best": 1, "wait": 2, "cooldown": 0},
			6: {"best": inf, "wait": 0, "best_epoch": -1}, 7: {"best": 1, "wait": 2, "best_epoch": 0},
		} {
			if got := r.callbacks[i].(engine.StatefulCallback).CallbackState(); !reflect.DeepEqual(got, want) {
				t.Errorf("callback %d: state %v, want %v", i, got, want)
			}
		}
		a, b := r.callbacks[2].(*engine.ModelCheckpoint), r.callbacks[3].(*engine.ModelCheckpoint)
		if a.Best != "" || filepath.Base(b.Best) != "b01.safetensors" {
			t.Errorf("best files %q and %q, want none and b01", a.Best, b.Best)
		}
	})
}

// writeVersion1 rewrites the training checkpoint at path as version 1
// wrote it: version 1, each callback type's state under its bare key (the
// last callback's: "k.2" over "k.1" over "k"), no callback tensors.
func writeVersion1(t *testing.T, path string) {
	t.Helper()
	ts, meta := readSafetensors(t, path)
	var state map[string]any
	if err := json.Unmarshal([]byte(meta["state"]), &state); err != nil {
		t.Fatal(err)
	}
	state["version"] = 1
	var cbs map[string]json.RawMessage
	if err := json.Unmarshal([]byte(meta["callbacks"]), &cbs); err != nil {
		t.Fatal(err)
	}
	old, index := map[string]json.RawMessage{}, map[string]int{}
	for k, v := range cbs {
		base, n, _ := strings.Cut(k, ".")
		i, _ := strconv.Atoi(n)
		if _, ok := old[base]; !ok || i > index[base] {
			old[base], index[base] = v, i
		}
	}
	var tensors []engine.NamedTensor
	for name, tensor := range ts {
		if !strings.HasPrefix(name, "callback.") {
			tensors = append(tensors, tensor)
		}
	}
	var data bytes.Buffer
	if err := engine.EncodeSafetensors(&data, tensors, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data.Bytes()[8+binary.LittleEndian.Uint64(data.Bytes()):])
	stateJSON, _ := json.Marshal(state)
	cbJSON, _ := json.Marshal(old)
	meta = map[string]string{"format": meta["format"], "state": string(stateJSON), "callbacks": string(cbJSON),
		"sha256": hex.EncodeToString(sum[:])}
	var out bytes.Buffer
	if err := engine.EncodeSafetensors(&out, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
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
			if sa, sb := baseNames(mc.Saved), baseNames(mb.Saved); !reflect.DeepEqual(sa, sb) {
				t.Errorf("callback %d's files to keep: uninterrupted %v, resumed %v", i, sa, sb)
			}
		}
		if tc, ok := cb.(engine.TensorStateCallback); ok {
			if ta, tb := tc.CallbackTensors(), b.callbacks[i].(engine.TensorStateCallback).CallbackTensors(); !reflect.DeepEqual(ta, tb) {
				t.Errorf("callback %d's vectors differ between the uninterrupted and the resumed run", i)
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

// baseNames are the file names of paths, without their folders.
func baseNames(paths []string) []string {
	out := []string{}
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

// stateTensors are the tensors of dir's training checkpoint.
func stateTensors(t *testing.T, dir string) map[string]engine.NamedTensor {
	t.Helper()
	path := filepath.Join(dir, stateName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts, _, err := engine.DecodeSafetensors(path, raw)
	if err != nil {
		t.Fatal(err)
	}
	return ts
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
