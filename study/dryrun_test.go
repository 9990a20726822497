package study

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mnistgpu/run"
)

// TestDryRunOfLargeBatches: the plan times a cell at the batch its run
// holds — a batch beyond the data holds all of it — and does not time a
// cell too large for the machine (which fails alone when it runs), saying
// so. Both were compiled at their batch of 10⁹, and `study run --dry-run`
// died of a Go out-of-memory error.
func TestDryRunOfLargeBatches(t *testing.T) {
	data := smallData(t)
	f := File{Name: "big", Axes: []Axis{{Name: "batch-size", Values: []string{"50", "1000000000"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1"}}
	plan := func() string {
		p, err := NewPlan(f, t.TempDir(), run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		total, err := p.Estimate(data)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p.Print(&out, total)
		return out.String()
	}
	if out := plan(); strings.Count(out, ", time ") != 2 {
		t.Errorf("a batch beyond the data is not timed as the run holds it:\n%s", out)
	}
	saved := run.HostMemory
	run.HostMemory = func() (int64, string) { return 1 << 30, "test limit" }
	t.Cleanup(func() { run.HostMemory = saved })
	out := plan()
	if !strings.Contains(out, "too large for this machine, so it fails alone when it runs: --batch-size 1000000000 needs about ") ||
		strings.Count(out, ", time ") != 1 {
		t.Errorf("the plan of a cell too large for the machine:\n%s", out)
	}
}

// TestEstimateSharesTheCores: cells at once share the host's cores, so
// four cells of one thread on two cores take half the time of one cell at
// a time, not a quarter. Each cell was timed alone and the slots were
// taken to run side by side at that speed: the estimate fell with --jobs
// however few the cores (100 cells at --jobs 100 on 2 cores: "0.0s"). The
// steps' time is fixed here, so that only the plan's arithmetic is
// compared.
func TestEstimateSharesTheCores(t *testing.T) {
	data := smallData(t)
	f := File{Name: "cores", Seeds: []uint64{1, 2, 3, 4}, Fixed: map[string]string{"model": "mlp", "epochs": "1"}}
	step := func(run.Config, int) (stepTiming, error) { return stepTiming{step: 0.01, eval: 0.001}, nil }
	estimate := func(jobs, threads int) time.Duration {
		t.Helper()
		base := run.Default()
		base.Device.Threads = threads
		p, err := NewPlan(f, t.TempDir(), base, Options{Shard: Shard{1, 1}, Jobs: jobs, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		total, err := p.estimate(data, step, 2)
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	one := estimate(1, 1)
	// Two cores run at most two cells' steps at once, however the threads
	// are shared out (the fixed step time is a cell's alone at its threads).
	for _, c := range []struct{ jobs, threads, faster int }{{2, 2, 2}, {4, 2, 2}, {4, 4, 2}, {1, 2, 1}} {
		if got, want := estimate(c.jobs, c.threads), one/time.Duration(c.faster); got < want*99/100 || got > want*101/100 {
			t.Errorf("--jobs %d --threads %d on 2 cores: %v, want %v (one cell of one thread at a time: %v)", c.jobs, c.threads, got, want, one)
		}
	}
}

// TestDryRunOfASpentStepBudget: a cell whose --max-steps is spent trains
// nothing when the study is extended (its weights are evaluated and its
// result written again), and the dry run says so; it said "epochs 2-3
// (continues after epoch 1)" and estimated their time. The run's count
// and cell line say so too: they said "1 to run" and gave a cell line
// as of a cell that trained.
func TestDryRunOfASpentStepBudget(t *testing.T) {
	data := smallData(t)
	f := File{Name: "budget", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "1", "train-limit": "200", "max-steps": "2"}}
	dir := t.TempDir()
	if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}); err != nil {
		t.Fatal(err)
	}
	longer := f.WithEpochs(3)
	p, err := NewPlan(longer, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p.Print(&out, 0)
	const count = "1 to finish (its step budget is spent: no step to train)"
	if !strings.Contains(out.String(), "no epoch to train: its step budget (max-steps 2) was spent in epoch 1, so a run only evaluates") ||
		strings.Contains(out.String(), "epochs 2-3") || !strings.Contains(out.String(), "; "+count+", ") {
		t.Errorf("the plan of a cell whose step budget is spent:\n%s", out.String())
	}
	// What the run does: no epoch trained.
	var log bytes.Buffer
	if err := Run(longer, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "; "+count+", ") || !strings.Contains(log.String(), p.Cells[0].Key+": finished, no step to train: test accuracy ") {
		t.Errorf("the run of a cell whose step budget is spent:\n%s", log.String())
	}
	// Its log said "…, but the run stopped before writing its result", of a
	// cell whose result was there.
	cellLog := string(mustRead(t, filepath.Join(p.Cells[0].Config.Output.Dir, LogFile)))
	if !strings.Contains(cellLog, "its step budget (max-steps 2) was spent in epoch 1: no step to train; evaluating its final weights and writing its result again") {
		t.Errorf("the cell's %s:\n%s", LogFile, cellLog)
	}
	rec, err := readCell(p.Cells[0].Config.Output.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := rec.Result; r == nil || r.Epochs != 0 || r.CutSteps != 2 || r.Steps != 2 {
		t.Errorf("the extended run: result %+v, want the 2 steps of epoch 1 its plan said", r)
	}
	// The budget cut epoch 1: no whole epoch for the history files.
	if h := history(t, p.Cells[0].Config.Output.Dir); len(h.Logs) != 0 {
		t.Errorf("history.json holds epochs %v of a cell cut within its first", h.Epochs)
	}
}
