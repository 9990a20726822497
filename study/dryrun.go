package study

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"runtime"
	"strings"
	"time"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// timedSteps and warmupSteps are the training steps Estimate times for
// each model, after the warm-up ones (a first step allocates and, on a
// GPU, captures its graph).
const timedSteps, warmupSteps = 5, 2

// Estimate fills in each cell to run the slot the run's queue would give
// it and the seconds of its epochs left there. The queue hands the cells,
// costliest first, to whichever slot frees first; a cell's time is its
// epochs' training steps and validation batches, each timed on a backend
// of its slot's kind (a few steps on blank images; one timing for the
// cells of one model, batch size and slot kind). Nothing is timed on a
// simulated device: its times stay 0. It returns the study's estimated
// time: when the last slot frees.
func (p *Plan) Estimate(data *mnist.Set) (time.Duration, error) {
	return p.estimate(data, timeSteps, runtime.GOMAXPROCS(0))
}

// estimate is Estimate with its timer and the host's cores. A cell is
// timed alone, but its slot shares the cores with the others: slots
// whose threads together outnumber the cores (--jobs 4 on 2 cores) run
// each cell that much slower. Without that, the study's time was divided
// by --jobs however few the cores (100 cells at --jobs 100 on 2 cores:
// "0.0s").
func (p *Plan) estimate(data *mnist.Set, timer func(run.Config, int) (stepTiming, error), cores int) (time.Duration, error) {
	busy := 0 // threads of every slot at once, each at most the cores
	for _, s := range p.Slots.slots {
		busy += min(s.threads, cores)
	}
	shared := max(1, float64(busy)/float64(max(1, cores)))
	free := make([]float64, len(p.Slots.slots)) // seconds until each slot is free
	timings := map[string]stepTiming{}
	for _, i := range p.Todo {
		c := &p.Cells[i]
		if c.TooLarge != nil {
			continue // never compiled: it fails alone, at once
		}
		s := 0
		for k := range free {
			if free[k] < free[s] {
				s = k
			}
		}
		cfg := c.Config
		p.Slots.slots[s].apply(&cfg)
		train, val := splitSizes(cfg, data)
		// A batch beyond the data holds all of it, as in the run (a batch
		// of 10⁹ was compiled as such, and the plan died out of memory).
		batch := engine.LargestBatch(cfg.BatchSize, train, val)
		key := fmt.Sprint(cfg.Model, batch, cfg.Device)
		t, ok := timings[key]
		if !ok {
			var err error
			if t, err = timer(cfg, batch); err != nil {
				return 0, err
			}
			timings[key] = t
		}
		c.EpochSteps = engine.BatchCount(train, batch)
		// The end: the final weights and the best checkpoint evaluated on
		// the test set.
		end := 2 * float64(engine.BatchCount(testSize(data), batch)) * t.eval
		last, steps, _ := c.trains()
		epochs := max(0, last-c.Start) // each validated
		if c.Finishing != "" {
			epochs, steps = 0, 0
		}
		c.Slot, c.Seconds = s, float64(steps)*t.step+float64(epochs)*float64(engine.BatchCount(val, batch))*t.eval+end
		if cfg.Device.Threads > 0 { // on the host's cores
			c.Seconds *= shared
		}
		free[s] += c.Seconds
	}
	last := 0.0
	for _, f := range free {
		last = max(last, f)
	}
	return secondsDuration(last), nil
}

// secondsDuration is a time in seconds as a Duration, held at the largest
// (292 years) where it would wrap: a study of --epochs 2⁶² was estimated
// at "-2562047h47m16.854775808s".
func secondsDuration(s float64) time.Duration {
	if s*float64(time.Second) >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// durationText is roundDuration but for the times no study takes: in
// years from 100 years, and the largest Duration as more than it.
func durationText(t time.Duration) string {
	const year = 8766 * time.Hour // 365.25 days
	switch {
	case t == math.MaxInt64:
		return "more than 292 years"
	case t >= 100*year:
		return fmt.Sprintf("%.0f years", t.Hours()/year.Hours())
	}
	return roundDuration(t)
}

// stepTiming is the seconds of one training step and of one validation
// batch.
type stepTiming struct{ step, eval float64 }

// timeSteps times cfg's model at batch on a backend of cfg's device (0, 0
// on a simulated one).
func timeSteps(cfg run.Config, batch int) (stepTiming, error) {
	be, err := openBackend(cfg, io.Discard)
	if err != nil {
		return stepTiming{}, err
	}
	defer engine.Close(be)
	if be.Traits().Simulated {
		return stepTiming{}, nil
	}
	m, err := run.BuildRecordedModel(cfg.Model.Name, cfg.Model.Activation) // validated in Prepare
	if err != nil {
		return stepTiming{}, err
	}
	loss, err := engine.ParseLoss(cfg.Model.Loss)
	if err != nil {
		return stepTiming{}, err
	}
	n := timedSteps + warmupSteps
	defer m.Free()
	if err := m.Compile(be, loss, batch); err != nil {
		return stepTiming{}, err
	}
	m.Init(cfg.Seed)
	d := engine.Dataset{Images: make([]uint8, n*batch*m.Input.Size()), Labels: make([]uint8, n*batch),
		Shape: m.Input, Classes: m.OutputShape().Size()}
	batches, err := engine.OpenBatches(be, d, nil, batch)
	if err != nil {
		return stepTiming{}, err
	}
	defer batches.Free()
	steps, err := engine.NewStepper(m, engine.NewAdam(0), batches, batch, false)
	if err != nil {
		return stepTiming{}, err
	}
	defer steps.Free()
	steps.SetPass(0, nil)
	var start time.Time
	for s := range n {
		if s == warmupSteps {
			if err := be.Synchronize(); err != nil {
				return stepTiming{}, err
			}
			start = time.Now()
		}
		if err := steps.Step(s*batch, batch); err != nil {
			return stepTiming{}, err
		}
	}
	if err := be.Synchronize(); err != nil {
		return stepTiming{}, err
	}
	step := time.Since(start).Seconds() / timedSteps
	start = time.Now()
	engine.Evaluate(m, d, batch)
	return stepTiming{step: step, eval: time.Since(start).Seconds() / float64(n)}, nil
}

// splitSizes are the training and validation images of an epoch of cfg
// (the tail split's sizes, which the random and stratified splits hold
// out too; a stratified cell recorded before data.split_rule holds out up
// to one image more per class).
func splitSizes(cfg run.Config, data *mnist.Set) (train, val int) {
	n := mnist.TrainImages
	if data != nil {
		n = data.Train.Len()
	}
	if cfg.Data.TrainLimit > 0 {
		n = min(n, cfg.Data.TrainLimit)
	}
	train = int(math.Floor(float64(n) * (1 - cfg.Data.ValidationSplit)))
	return train, n - train
}

// testSize is the test set's images (MNIST's 10,000 when data is nil).
func testSize(data *mnist.Set) int {
	if data == nil {
		return mnist.TestImages
	}
	return data.Test.Len()
}

// Print writes the plan for `study run --dry-run`: the head line, then
// every cell with its resolved settings (those that differ from train's
// defaults, and the learning rate it starts with), the epochs it would
// train, where, its memory and its estimated time; then the study's time.
func (p *Plan) Print(w io.Writer, total time.Duration) {
	for _, line := range p.Spelled {
		fmt.Fprintln(w, line)
	}
	// Said as the run says them after writing results.csv: the cells
	// without a readable history, and (of the others) those longer than
	// the study.
	var long []LongerCell
	var noHist []CellResult
	for _, c := range p.Cells {
		switch {
		case c.NoHistory != "":
			noHist = append(noHist, CellResult{Key: c.Key, NoHistory: c.NoHistory})
		case c.Longer != nil:
			long = append(long, *c.Longer)
		}
	}
	leftOut := func(sep string) {
		if len(long) > 0 {
			fmt.Fprintf(w, "%s%s\n", sep, longerCSVLine(long))
		}
		if len(noHist) > 0 {
			fmt.Fprintf(w, "%s%s\n", sep, noHistoryCSVLine(noHist))
		}
	}
	if len(p.Todo) == 0 {
		fmt.Fprintf(w, "%s: nothing to do\n", p.head())
		leftOut("")
		return
	}
	fmt.Fprintf(w, "%s; %s, %s\n", p.head(), p.toRun(), p.Slots.says)
	run1 := map[int]bool{}
	for _, i := range p.Todo {
		run1[i] = true
	}
	for i, c := range p.Cells {
		fmt.Fprintf(w, "\n%s\n", c.Key)
		if !run1[i] {
			switch {
			case c.NoHistory != "":
				fmt.Fprintf(w, "  complete: skipped; without a readable history (%s): left out of its report, %s in %s\n", c.NoHistory, NoHistoryStatus, ResultsCSV)
			case c.Longer != nil:
				fmt.Fprintf(w, "  complete: skipped; trained past the study's plan (%s): left out of its report, %s in %s\n", c.Longer.Past(), LongerStatus, ResultsCSV)
			default:
				fmt.Fprintf(w, "  complete: skipped\n")
			}
			continue
		}
		fmt.Fprintf(w, "  settings: %s\n", settings(c.Config))
		epochs := c.epochsToTrain()
		if c.Finishing != "" {
			epochs = "no epoch to train: " + c.Finishing + ", so a run only evaluates its final weights and writes its result again"
		}
		where := "on " + c.Config.Device.Name
		if c.Slot >= 0 {
			where = "in " + p.Slots.slots[c.Slot].describe(c.Slot, c.Config)
		}
		memory := fmt.Sprintf("host memory ≈ %s (weights, gradients, activations, optimizer state; the data set is shared)", mib(c.Memory))
		if p.Resident {
			memory = fmt.Sprintf("device memory ≈ %s", mib(c.Memory))
		}
		took := "time not estimated (simulated device)"
		switch {
		case c.TooLarge != nil:
			took = "too large for this machine, so it fails alone when it runs: " + c.TooLarge.Error()
		case c.Seconds > 0:
			took = "time ≈ " + durationText(secondsDuration(c.Seconds))
			if c.Seconds < 0.05 {
				took = "time < 0.1s"
			}
		}
		fmt.Fprintf(w, "  %s, %s, %s, %s\n", epochs, where, memory, took)
	}
	leftOut("\n")
	if total > 0 {
		fmt.Fprintf(w, "\nestimated time: %s (%d timed steps of each model on its slot's device)\n", durationText(total), timedSteps)
	}
	fmt.Fprintln(w, "dry run: nothing was trained or written")
}

// describe names a slot for the plan: "slot 2 (cpu, 1 thread)".
func (s slot) describe(i int, cfg run.Config) string {
	s.apply(&cfg)
	where := cfg.Device.Name
	if cfg.Device.Threads > 0 {
		where += ", " + plural(cfg.Device.Threads, "thread")
	}
	return fmt.Sprintf("slot %d (%s)", i+1, where)
}

// settings are cfg's settings that differ from train's defaults, as flags,
// and the learning rate the run starts with; where it runs and writes is
// the plan's to say.
func settings(cfg run.Config) string {
	def := run.Default()
	var out []string
	for _, f := range run.Fields() {
		if f.Group == "device" || f.Group == "output" {
			continue
		}
		switch v := cfg.GetString(f); {
		case v == def.GetString(f):
		case v == "true" && f.Kind == reflect.Bool:
			out = append(out, "--"+f.Flag)
		case f.Kind == reflect.Bool:
			out = append(out, "--"+f.Flag+"="+v)
		default:
			out = append(out, "--"+f.Flag+" "+v)
		}
	}
	lr, err := cfg.EffectiveLR()
	if err != nil {
		return strings.Join(out, " ")
	}
	return strings.Join(out, " ") + fmt.Sprintf("; learning rate %g", lr)
}
