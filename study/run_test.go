package study

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "mnistgpu/cpu"
	"mnistgpu/engine"
	_ "mnistgpu/gpu" // registers cuda (in a build without it, the stub that refuses to open)
	"mnistgpu/mnist"
	"mnistgpu/run"
)

func smallData(t *testing.T) *mnist.Set {
	t.Helper()
	set, err := run.LoadData(run.SourceConfig{Dir: "../testdata/mnist-small", NoVerify: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// jobsStudy has cells of both models, both optimizers and two seeds, small
// enough for a 2-core machine.
var jobsStudy = File{Name: "jobs",
	Axes:  []Axis{{Name: "model", Values: []string{"cnn", "mlp"}}, {Name: "optimizer", Values: []string{"sgd", "adam"}}},
	Seeds: []uint64{1, 2},
	Fixed: map[string]string{"epochs": "2", "batch-size": "50", "train-limit": "300", "lr": "0.01"}}

// TestJobsDoNotChangeResults: the same study with one cell at a time and
// with three at once (each cell on its own backend with its share of the
// threads, the data set shared) gives every cell the same weights, byte for
// byte, and the same history.
func TestJobsDoNotChangeResults(t *testing.T) {
	data := smallData(t)
	dir := t.TempDir()
	var logs [2]bytes.Buffer
	for i, jobs := range []int{1, 3} {
		out := filepath.Join(dir, []string{"one", "three"}[i])
		err := Run(jobsStudy, out, run.Default(), Options{Jobs: jobs, Shard: Shard{1, 1}, Data: data, Log: &logs[i]})
		if err != nil {
			t.Fatalf("--jobs %d: %v\n%s", jobs, err, logs[i].String())
		}
	}
	if !strings.Contains(logs[0].String(), "1 cell at once on cpu") || !strings.Contains(logs[1].String(), "3 cells at once on cpu") {
		t.Errorf("the start line does not say how many cells run at once:\n%s\n%s", logs[0].String(), logs[1].String())
	}
	for _, c := range jobsStudy.Cells() {
		key := c.Key(jobsStudy.Axes)
		a := dataSection(t, filepath.Join(dir, "one", "cells", key, run.FinalFile))
		b := dataSection(t, filepath.Join(dir, "three", "cells", key, run.FinalFile))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: final weights differ between --jobs 1 and --jobs 3", key)
		}
		ha, hb := history(t, filepath.Join(dir, "one", "cells", key)), history(t, filepath.Join(dir, "three", "cells", key))
		if len(ha.Logs) != 2 || len(hb.Logs) != 2 {
			t.Fatalf("%s: %d and %d epochs", key, len(ha.Logs), len(hb.Logs))
		}
		for e := range ha.Logs {
			for k, v := range ha.Logs[e] {
				if hb.Logs[e][k] != v {
					t.Errorf("%s epoch %d: %s %v with --jobs 1, %v with --jobs 3", key, e+1, k, v, hb.Logs[e][k])
				}
			}
		}
		var cfg run.Config
		if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "three", "cells", key, run.ConfigFile)), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Device.Threads < 1 {
			t.Errorf("%s: a cell of --jobs 3 ran with threads %d, want its share", key, cfg.Device.Threads)
		}
	}
	checkLines(t, logs[1].String(), len(jobsStudy.Cells()))
}

// checkLines: the study's output is whole lines, one per finished cell
// (with its test accuracy) between a start line and an end line.
func checkLines(t *testing.T, out string, cells int) {
	t.Helper()
	finished := regexp.MustCompile(`^\[\d+/\d+ done, \d+ running, \d+ left, [^\]]+\] [a-z0-9=.,]+: test accuracy 0\.\d{4} \(best checkpoint 0\.\d{4}\) after \d+ epochs? in `)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	n := 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "study "), strings.HasPrefix(l, "shard "):
		case finished.MatchString(l):
			n++
		default:
			t.Errorf("unexpected output line %q", l)
		}
	}
	if n != cells {
		t.Errorf("%d finished-cell lines, want %d:\n%s", n, cells, out)
	}
}

// dataSection is a safetensors file less its header: the tensors' bytes.
func dataSection(t *testing.T, path string) []byte {
	t.Helper()
	raw := mustRead(t, path)
	if len(raw) < 8 {
		t.Fatalf("%s: %d bytes", path, len(raw))
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if uint64(len(raw)) < 8+n {
		t.Fatalf("%s: header of %d bytes in a file of %d", path, n, len(raw))
	}
	return raw[8+n:]
}

func history(t *testing.T, dir string) *engine.History {
	t.Helper()
	h, err := engine.ReadHistoryJSON("history.json", bytes.NewReader(mustRead(t, filepath.Join(dir, "history.json"))))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestMoreSeedsExtendAStudy: a folder holding a study accepts the same study
// with more seeds, trains only the new cells and leaves the old ones alone;
// fewer seeds, or other seeds, are refused.
func TestMoreSeedsExtendAStudy(t *testing.T) {
	data := smallData(t)
	f := File{Name: "s", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "200"}}
	dir := t.TempDir()
	o := Options{Shard: Shard{1, 1}, Data: data, Jobs: 2}
	if err := Run(f, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "cells", "optimizer=sgd,seed=1", run.FinalFile)
	st, _ := os.Stat(first)
	var log bytes.Buffer
	o.Log = &log
	if err := Run(f.WithSeeds(3), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "6 cells, 2 already complete; 4 to run") {
		t.Errorf("extending to 3 seeds: %s", log.String())
	}
	if st2, _ := os.Stat(first); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("a cell of the first seed was trained again")
	}
	_, cells, err := LoadResults(dir)
	if err != nil || len(cells) != 6 {
		t.Fatalf("%d cells after extending, %v", len(cells), err)
	}
	for _, g := range Summarise(mustLoad(t, dir), cells) {
		if g.BestValAcc.N != 3 || !strings.Contains(g.BestValAcc.String(), " ± ") {
			t.Errorf("%s: %v over %d seeds", g.Group, g.BestValAcc, g.BestValAcc.N)
		}
	}
	for _, other := range []File{f, f.WithSeeds(2), {Name: f.Name, Axes: f.Axes, Seeds: []uint64{7}, Fixed: f.Fixed}} {
		var se *SettingError
		if err := Run(other, dir, run.Default(), o); !errors.As(err, &se) || !strings.Contains(err.Error(), "seeds") {
			t.Errorf("seeds %v into a folder of seeds 1..3: %v", other.Seeds, err)
		}
	}
}

func mustLoad(t *testing.T, dir string) File {
	f, err := Load(filepath.Join(dir, "study.json"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPlace(t *testing.T) {
	for _, c := range []struct {
		dev     run.DeviceConfig
		jobs    int
		devices []int
		cells   int
		slots   []slot
		says    string
	}{
		{run.DeviceConfig{Name: "cpu", Threads: 8}, 0, nil, 32, []slot{{"cpu", 2}, {"cpu", 2}, {"cpu", 2}, {"cpu", 2}}, "4 cells at once on cpu, 2 threads each of 8"},
		{run.DeviceConfig{Name: "cpu", Threads: 2}, 0, nil, 32, []slot{{"cpu", 2}}, "1 cell at once on cpu, 2 threads each of 2"},
		{run.DeviceConfig{Name: "cpu", Threads: 8}, 3, nil, 32, []slot{{"cpu", 3}, {"cpu", 3}, {"cpu", 2}}, "3 cells at once on cpu, 2 or 3 threads each of 8"},
		{run.DeviceConfig{Name: "cpu", Threads: 8}, 0, nil, 2, []slot{{"cpu", 4}, {"cpu", 4}}, "2 cells at once on cpu, 4 threads each of 8"},
		{run.DeviceConfig{Name: "cpu", Threads: 8}, 2, nil, 32, []slot{{"cpu", 4}, {"cpu", 4}}, "2 cells at once on cpu, 4 threads each of 8"},
		{run.DeviceConfig{Name: "cpu", Threads: 2}, 3, nil, 5, []slot{{"cpu", 1}, {"cpu", 1}, {"cpu", 1}}, "3 cells at once on cpu, 1 thread each of 2 (more cells than threads)"},
		{run.DeviceConfig{Name: "cpu", Threads: 1}, 0, nil, 5, []slot{{"cpu", 1}}, "1 cell at once on cpu, 1 thread each of 1"},
		{run.DeviceConfig{Name: "cuda"}, 0, nil, 32, []slot{{"cuda:0", 0}, {"cuda:0", 0}, {"cuda:0", 0}, {"cuda:0", 0}}, "4 cells at once on cuda:0"},
		{run.DeviceConfig{Name: "cuda:1"}, 2, nil, 32, []slot{{"cuda:1", 0}, {"cuda:1", 0}}, "2 cells at once on cuda:1"},
		{run.DeviceConfig{Name: "cuda"}, 2, []int{0, 2}, 3, []slot{{"cuda:0", 0}, {"cuda:2", 0}, {"cuda:0", 0}}, "3 cells at once on cuda:0, cuda:2 (up to 2 on each)"},
	} {
		p, err := place(c.dev, true, c.jobs, c.devices, c.cells)
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		if len(p.slots) != len(c.slots) || p.says != c.says {
			t.Errorf("%v jobs %d devices %v cells %d: %v %q, want %v %q", c.dev, c.jobs, c.devices, c.cells, p.slots, p.says, c.slots, c.says)
			continue
		}
		for i := range p.slots {
			if p.slots[i] != c.slots[i] {
				t.Errorf("%v jobs %d: slot %d is %v, want %v", c.dev, c.jobs, i, p.slots[i], c.slots[i])
			}
		}
	}
	for _, c := range []struct {
		dev     run.DeviceConfig
		devices []int
		want    string
	}{
		{run.DeviceConfig{Name: "cpu"}, []int{0}, "--devices picks GPUs"},
		{run.DeviceConfig{Name: "cuda:1"}, []int{0, 1}, "give one of them"},
		{run.DeviceConfig{Name: "cuda"}, []int{0, 0}, "repeated device index 0"},
		{run.DeviceConfig{Name: "cuda", Threads: 4}, nil, "--threads is a CPU setting"},
	} {
		var se *SettingError
		if _, err := place(c.dev, true, 0, c.devices, 8); !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v --devices %v: %v, want %q", c.dev, c.devices, err, c.want)
		}
	}
}

// fakeGPU is a device that reports its memory and nothing else: enough for
// a study to place cells on it.
type fakeGPU struct {
	engine.Backend
	free int64
}

func (f *fakeGPU) Name() string                               { return "fakegpu" }
func (f *fakeGPU) Describe() string                           { return "fakegpu" }
func (f *fakeGPU) Traits() engine.Traits                      { return engine.Traits{ResidentData: true} }
func (f *fakeGPU) MemoryInfo() (free, total int64, err error) { return f.free, 2 * f.free, nil }
func (f *fakeGPU) Close() error                               { return nil }

func init() {
	engine.Register(engine.DeviceKind{Name: "fakegpu", Traits: engine.Traits{ResidentData: true},
		New: func(opt engine.Options) (engine.Backend, error) { return &fakeGPU{free: 1 << 30}, nil }})
}

// TestGPUMemoryRefusal: more cells at once than a GPU's free memory holds
// are refused before anything is written, naming what would fit.
func TestGPUMemoryRefusal(t *testing.T) {
	data := smallData(t)
	base := run.Default()
	base.Device.Name = "fakegpu"
	f := File{Name: "m", Axes: []Axis{{Name: "lr", Values: []string{"0.1", "0.01", "0.001", "0.0001"}}}, Seeds: []uint64{1, 2, 3, 4, 5, 6, 7, 8},
		Fixed: map[string]string{"model": "cnn", "batch-size": "2048"}}
	cfg := mustConfig(t, f, base)
	estimate, err := cfg.Estimate()
	if err != nil {
		t.Fatal(err)
	}
	need := cellMemory(cfg, estimate, data, true)
	// The CNN at batch 2048: ~1.4 GiB of activations and their gradients,
	// the weights, Adam's state, the data set resident.
	if need < 1<<30 || need > 2<<30 {
		t.Errorf("a CNN cell at batch 2048 needs %s by the estimate", mib(need))
	}
	dir := filepath.Join(t.TempDir(), "out")
	var se *SettingError
	err = Run(f, dir, base, Options{Shard: Shard{1, 1}, Jobs: 2, Data: data})
	if !errors.As(err, &se) || !regexp.MustCompile(`fakegpu:0 has 1024 MiB free; 2 cells at once would need about \d+ MiB .* pass --jobs 0 or fewer`).MatchString(err.Error()) {
		t.Errorf("two big cells on a 1 GiB device: %v", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a refused study wrote its folder")
	}
}

func mustConfig(t *testing.T, f File, base run.Config) run.Config {
	t.Helper()
	_, cfgs, err := f.Configs(base, "x")
	if err != nil {
		t.Fatal(err)
	}
	return cfgs[0]
}

// TestDisplay: off a terminal, one line per finished cell with the counts
// and an estimate of the time left, a failing cell's error once; on a
// terminal, the status block is erased before each line and redrawn after.
func TestDisplay(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	d := newDisplay(&out, false, 0, 4, 1, 3, clock)
	d.plan(2, 10)
	d.plan(2, 10)
	d.plan(2, 20)
	a := d.begin("a", 0, 0, 2, 10)
	b := d.begin("b", 1, 0, 2, 10)
	a.EpochBegin(0, 2, 10)
	a.BatchEnd(5, nil)
	now = now.Add(10 * time.Second)
	a.EpochEnd(0, nil, 0)
	a.EpochEnd(1, nil, 0)
	// a: 2 epochs of cost 10 done in 10 s, of 80 planned; then b fails
	// without finishing an epoch, taking its 20 from what is left.
	d.end(a, &Result{FinalTestAcc: 0.91234, Epochs: 2, Seconds: 9.5}, nil, false)
	d.end(b, nil, errors.New("boom\nsecond line"), false)
	want := "[2/4 done, 1 running, 1 left, 10.0s, about 30.0s left] a: test accuracy 0.9123 after 2 epochs in 9.5s\n" +
		"[2/4 done, 0 running, 1 failed, 1 left, 10.0s, about 20.0s left] b: FAILED: boom\n    second line\n"
	if out.String() != want {
		t.Errorf("display wrote\n%q\nwant\n%q", out.String(), want)
	}
	d.close()

	out.Reset()
	d = newDisplay(&out, true, 40, 2, 0, 2, clock)
	c := d.begin("model=cnn,optimizer=adam,activation=relu,lr=0.1,seed=1", 0, 0, 3, 1)
	c.EpochBegin(1, 3, 4)
	c.BatchEnd(2, nil)
	d.mu.Lock()
	d.redraw()
	d.mu.Unlock()
	d.end(c, nil, &run.DivergedError{Err: &engine.NonFiniteError{}}, true)
	d.close()
	s := out.String()
	if !strings.Contains(s, "  epoch 2/3  50% model=cnn,optimizer=a…\n") || !strings.Contains(s, "\x1b[2A\r\x1b[J[1/2 done, 0 running, 1 left") ||
		!strings.Contains(s, "diverged, a result") || !strings.HasSuffix(s, "\x1b[1A\r\x1b[J") {
		t.Errorf("terminal display wrote %q", s)
	}
}

// TestCellKilledBeforeItsResult: a cell stopped after its last epoch's state
// and before result.json is complete on the next run, with the same weights
// (it has no epoch left to resume, so it is trained again).
func TestCellKilledBeforeItsResult(t *testing.T) {
	data := smallData(t)
	f := File{Name: "k", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "2", "train-limit": "200"}}
	dir := t.TempDir()
	o := Options{Shard: Shard{1, 1}, Data: data}
	if err := Run(f, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	cell := filepath.Join(dir, "cells", "optimizer=sgd,seed=1")
	want := dataSection(t, filepath.Join(cell, run.FinalFile))
	os.Remove(filepath.Join(cell, run.ResultFile))
	if err := Run(f, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if got := dataSection(t, filepath.Join(cell, run.FinalFile)); !bytes.Equal(got, want) {
		t.Error("the cell trained again ended with other weights")
	}
	if _, err := os.Stat(filepath.Join(cell, run.ResultFile)); err != nil {
		t.Error(err)
	}
}

// panicky is a device whose every allocation panics (with free memory, so
// that a run gets as far as allocating).
type panicky struct{ fakeGPU }

func (p *panicky) Alloc(int) (engine.Buffer, error) { panic("planted") }

func init() {
	engine.Register(engine.DeviceKind{Name: "panicky", Traits: engine.Traits{ResidentData: true},
		New: func(engine.Options) (engine.Backend, error) { return &panicky{fakeGPU{free: 1 << 30}}, nil }})
}

// TestPanickingCellFailsAlone: a cell whose backend panics is recorded as
// failed (its stack in failed.txt, one line in the output) and the study
// goes on with the others.
func TestPanickingCellFailsAlone(t *testing.T) {
	data := smallData(t)
	f := File{Name: "p", Axes: []Axis{{Name: "device", Values: []string{"panicky", "cpu"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "100"}}
	dir := t.TempDir()
	var log bytes.Buffer
	err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 2, Data: data, Log: &log})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 1 {
		t.Fatalf("err = %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "device=panicky,seed=1: FAILED: panic: planted (the stack is in its failed.txt)\n") ||
		!strings.Contains(log.String(), "device=cpu,seed=1: test accuracy") {
		t.Errorf("output:\n%s", log.String())
	}
	stack := string(mustRead(t, filepath.Join(dir, "cells", "device=panicky,seed=1", FailureFile)))
	if !strings.HasPrefix(stack, "panic: planted\n") || !strings.Contains(stack, "study.trainCell") {
		t.Errorf("failed.txt: %s", stack)
	}
}
