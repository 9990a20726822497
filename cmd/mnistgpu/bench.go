package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// benchResult is what `mnistgpu bench` measures; JSON field names are stable.
// Timings are absent on a simulated device; the device-work counters are
// present where the backend counts them (cuda, and its stand-in).
type benchResult struct {
	Device string `json:"device"`
	// CPUKernels: the CPU backend's kernels and why; absent on other devices.
	CPUKernels    *cpu.KernelChoice `json:"cpu_kernels,omitempty"`
	Model         string            `json:"model"`
	BatchSize     int               `json:"batch_size"`
	Steps         int               `json:"steps_per_run"`
	Runs          int               `json:"runs"`
	MsPerStep     float64           `json:"ms_per_step_median,omitempty"`
	MsPerStepRuns []float64         `json:"ms_per_step_runs,omitempty"`
	ImgPerSec     float64           `json:"img_per_s,omitempty"`
	EpochSeconds  float64           `json:"epoch_seconds_48k,omitempty"`
	MFLOPPerImage float64           `json:"mflop_per_image"`
	GFLOPs        float64           `json:"gflop_per_s,omitempty"`
	// PeakRSSMB is absent where the system gives no peak (peakRSS), and for
	// the --threads values after the first where it cannot reset the peak
	// (resetPeakRSS): each value's peak is its own.
	PeakRSSMB  *float64 `json:"peak_rss_mb,omitempty"`
	peakNotOwn bool     // absent for that reason
	// Threads is absent where the backend has no worker threads (cuda).
	Threads int    `json:"threads,omitempty"`
	Batches string `json:"batches"` // "host" (gathered per step) or "resident" (on the device)
	Graphs  bool   `json:"graphs"`  // steps replayed from a captured CUDA graph
	// SpeedUp is the median step time at the first --threads value divided
	// by this one's (only with several --threads).
	SpeedUp float64 `json:"speedup_vs_first,omitempty"`
	// Device work per training step, where the backend counts it.
	KernelsPerStep       *float64 `json:"kernels_per_step,omitempty"`
	LibraryCallsPerStep  *float64 `json:"library_calls_per_step,omitempty"`
	GraphLaunchesPerStep *float64 `json:"graph_launches_per_step,omitempty"`
	HostSyncsPerStep     *float64 `json:"host_syncs_per_step,omitempty"`
}

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "time training steps: ms/step, img/s, projected epoch seconds, GFLOP/s, peak RSS, device work per step",
		Flags: append(append(append(configFlags(deviceGroup, []string{"device", "tf32"}, nil),
			configFlags(modelGroup, []string{"model", "activation"}, nil)...),
			configFlags([]string{"run"}, []string{"batch-size"}, nil)...),
			&cli.StringFlag{Name: "threads", Usage: "cpu: worker threads (0: the default), or a list (1,2) to run each and print the scaling", DefaultText: "GOMAXPROCS",
				EnvVars: []string{threadsField().Env}},
			&cli.IntFlag{Name: "steps", Value: 50, Usage: "timed steps per run"},
			&cli.IntFlag{Name: "warmup", Value: 5, Usage: "untimed steps first"},
			&cli.IntFlag{Name: "runs", Value: 5, Usage: "timed runs; the median is reported"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table or json"},
		),
		Action: runBench,
	}
}

// threadsField is the --threads setting of the table, whose variable
// (MNISTGPU_THREADS) bench's own --threads list reads as train's does.
func threadsField() run.Field {
	f, _ := run.Lookup("threads")
	return f
}

func runBench(c *cli.Context) error {
	if n := c.Int("batch-size"); n < 1 { // named by its variable where that gave it (nameVariables)
		return cliError(&run.ValueError{Flag: "batch-size", Msg: fmt.Sprintf("must be at least 1, got %d", n)})
	}
	if c.Int("steps") < 1 || c.Int("runs") < 1 || c.Int("warmup") < 0 {
		return usageError("--steps and --runs must be positive, --warmup not negative")
	}
	if f := c.String("format"); f != "table" && f != "json" {
		return usageError("--format must be table or json, got %q", f)
	}
	threads := []int{0}
	if s := c.String("threads"); s != "" || onCommandLine(c, "threads") {
		threads = threads[:0]
		from := ""
		if !onCommandLine(c, "threads") {
			from = givenByEnvironment(threadsField())
		}
		for _, f := range strings.Split(s, ",") {
			// 0 is the backend's default, as train's and check's --threads 0.
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				return usageError("--threads takes thread counts (0: the default) separated by commas, got %q%s", s, from)
			}
			// A count listed twice (1,1) was run twice, and its second
			// line printed a "speed-up" of one thread over one.
			if slices.Contains(threads, n) {
				return usageError("--threads lists %d twice, got %q%s: give each thread count once", n, s, from)
			}
			threads = append(threads, n)
		}
	}
	var results []benchResult
	for i, n := range threads {
		own := resetPeakRSS()
		r, err := benchOnce(c, n)
		if err != nil {
			return err
		}
		if i > 0 && !own {
			// The process's peak so far, the earlier values' included.
			r.PeakRSSMB, r.peakNotOwn = nil, true
		}
		if len(results) > 0 && r.MsPerStep > 0 {
			r.SpeedUp = results[0].MsPerStep / r.MsPerStep
		}
		results = append(results, r)
	}
	if c.String("format") == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if len(results) == 1 {
			return enc.Encode(results[0])
		}
		return enc.Encode(results)
	}
	for i, r := range results {
		if i > 0 {
			fmt.Println()
		}
		if err := printBench(r); err != nil {
			return err
		}
	}
	return nil
}

// benchSlots is the state per weight of bench's optimizer, Adam: its two
// moments, weighed with the model before it is compiled.
const benchSlots = 2

// benchOnce times training steps of the model on a backend with the given
// thread count (0: the backend's default).
func benchOnce(c *cli.Context, threads int) (benchResult, error) {
	batch, steps, runs := c.Int("batch-size"), c.Int("steps"), c.Int("runs")
	cfg, err := bindConfig(c)
	if err != nil {
		return benchResult{}, cliError(err)
	}
	// bench's own --threads, or MNISTGPU_THREADS, fitted to the device as
	// train's is (bindConfig): exported, it does not refuse cuda.
	cfg.Device.Threads = threads
	for _, u := range cfg.FitDevice(func(flag string) bool { return onCommandLine(c, flag) }) {
		sayUnusedOnGPU(u, false)
	}
	if err := run.CheckActivationApplies(cfg.Model.Name, cfg.Model.Activation); err != nil {
		return benchResult{}, cliError(err) // it timed the model's own
	}
	m, err := run.BuildModel(cfg.Model.Name, cfg.Model.Activation)
	if err != nil {
		return benchResult{}, cliError(err)
	}
	// bench trains on digits, as train does: a model file of another input
	// or output panicked at the first step ("data of shape … does not fit
	// the model's"), one without a softmax failed its compile, exit 1.
	if err := run.CheckFitsMNIST(m, "model", cfg.Model.Name); err != nil {
		return benchResult{}, cliError(err)
	}
	if !m.EndsInSoftmax() {
		return benchResult{}, cliError(&run.ValueError{Flag: "model", Msg: cfg.Model.Name + ": bench trains with categorical_crossentropy, which needs a softmax output (the last layer's activation)"})
	}
	be, err := run.OpenBackend(cfg, os.Stderr)
	if err != nil {
		return benchResult{}, cliError(err)
	}
	defer engine.Close(be)
	defer m.Free()
	if err := run.CheckModelTraining(m, "model", cfg.Model.Name, batch, benchSlots, be); err != nil {
		return benchResult{}, cliError(err)
	}
	if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
		return benchResult{}, err
	}
	m.Init(1)
	// One pass over the data per timed run, so that the steps of a run are
	// consecutive batches of one pass, as in an epoch; a run of more steps
	// than MNIST's epoch starts a new pass after each (as training does)
	// rather than holding steps × batch images (--steps 10000000 ran the
	// process out of memory).
	nb := min(max(steps, c.Int("warmup"), 1), engine.BatchCount(mnist.TrainImages, batch))
	data := conformance.SyntheticDigits(batch*nb, 1)
	opt := engine.NewAdam(0)
	// Batches as the trainer feeds them: resident on the device when the
	// backend asks for it, gathered on the host otherwise.
	batches, err := engine.OpenBatches(be, data, nil, batch)
	if err != nil {
		return benchResult{}, err
	}
	defer batches.Free()
	// Steps as Fit runs them: replayed from a captured graph where the
	// backend can.
	stepper, err := engine.NewStepper(m, opt, batches, batch, false)
	if err != nil {
		return benchResult{}, err
	}
	defer stepper.Free()
	pass := func(n int) error {
		for s := 0; s < n; s++ {
			if s > 0 && s%nb == 0 {
				stepper.SetPass(0, nil)
			}
			if err := stepper.Step(s%nb*batch, batch); err != nil {
				return err
			}
		}
		return be.Synchronize()
	}
	stepper.SetPass(0, nil)
	if err := pass(c.Int("warmup")); err != nil {
		return benchResult{}, err
	}
	r := benchResult{Device: be.Describe(), Model: m.Name, BatchSize: batch, Steps: steps, Runs: runs, Batches: "host",
		Graphs: stepper.Replaying()}
	if t, ok := be.(interface{ Threads() int }); ok {
		r.Threads = t.Threads()
	}
	if be.Name() == "cpu" {
		k := cpu.Kernels()
		r.CPUKernels = &k
	}
	if be.Traits().ResidentData {
		r.Batches = "resident"
	}
	counter, counts := be.(engine.Counters)
	var work engine.Counts // the timed steps' device work, without the pass set-up
	for run := 0; run < runs; run++ {
		stepper.SetPass(0, nil)
		var before engine.Counts
		if counts {
			before = counter.Counts()
		}
		start := time.Now()
		if err := pass(steps); err != nil {
			return benchResult{}, err
		}
		r.MsPerStepRuns = append(r.MsPerStepRuns, float64(time.Since(start).Microseconds())/1000/float64(steps))
		if counts {
			d := counter.Counts().Sub(before)
			d.HostSyncs-- // the run's closing Synchronize is the bench's, not a step's
			work = addCounts(work, d)
		}
	}
	if counts {
		per := func(v int64) *float64 { x := float64(v) / float64(runs*steps); return &x }
		r.KernelsPerStep, r.LibraryCallsPerStep, r.GraphLaunchesPerStep = per(work.Kernels), per(work.LibraryCalls), per(work.GraphLaunches)
		r.HostSyncsPerStep = per(work.HostSyncs)
	}
	_, train := m.FLOPs()
	r.MFLOPPerImage = train / 1e6
	if b, ok := peakRSS(); ok {
		mb := float64(b) / (1 << 20)
		r.PeakRSSMB = &mb
	}
	if be.Traits().Simulated {
		r.MsPerStepRuns = nil // the stand-in's time is no figure of a GPU
		return r, nil
	}
	r.MsPerStep = median(r.MsPerStepRuns)
	r.ImgPerSec = float64(batch) / (r.MsPerStep / 1000)
	r.EpochSeconds = 48000 / r.ImgPerSec
	r.GFLOPs = train * r.ImgPerSec / 1e9
	return r, nil
}

func addCounts(a, b engine.Counts) engine.Counts {
	return engine.Counts{Kernels: a.Kernels + b.Kernels, LibraryCalls: a.LibraryCalls + b.LibraryCalls, Copies: a.Copies + b.Copies,
		GraphLaunches: a.GraphLaunches + b.GraphLaunches, HostSyncs: a.HostSyncs + b.HostSyncs}
}

func printBench(r benchResult) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	steps := "eager steps"
	if r.Graphs {
		steps = "steps replayed from a CUDA graph"
	}
	fmt.Fprintf(tw, "device\t%s\n", r.Device)
	if r.CPUKernels != nil {
		fmt.Fprintf(tw, "kernels\t%s\n", r.CPUKernels)
	}
	threads := ""
	if r.Threads > 0 {
		threads = ", " + run.Plural(r.Threads, "thread")
	}
	fmt.Fprintf(tw, "model\t%s, batch %d (%s batches, %s)%s\n", r.Model, r.BatchSize, r.Batches, steps, threads)
	if r.MsPerStep > 0 {
		runs := fmt.Sprintf("median of %d runs of %d", r.Runs, r.Steps)
		if r.Runs == 1 {
			runs = "one run of " + run.Plural(r.Steps, "step") // "median of 1 runs of 1" was said
		}
		fmt.Fprintf(tw, "ms/step (%s)\t%.2f  %s\n", runs, r.MsPerStep, msList(r.MsPerStepRuns))
		if r.SpeedUp > 0 {
			fmt.Fprintf(tw, "speed-up over the first --threads value\t%.2f×\n", r.SpeedUp)
		}
		fmt.Fprintf(tw, "img/s\t%.0f\nepoch of 48,000 images\t%.2f s\n", r.ImgPerSec, r.EpochSeconds)
		fmt.Fprintf(tw, "training FLOP per image\t%.2f MFLOP\nachieved\t%.1f GFLOP/s\n", r.MFLOPPerImage, r.GFLOPs)
	} else {
		fmt.Fprintf(tw, "timings\tnone: a simulated device\n")
	}
	if r.KernelsPerStep != nil {
		fmt.Fprintf(tw, "per step\t%.1f kernels (%.1f of them cuBLAS/cuDNN calls), %.1f graph launches, %.1f host syncs\n",
			*r.KernelsPerStep, *r.LibraryCallsPerStep, *r.GraphLaunchesPerStep, *r.HostSyncsPerStep)
	}
	if r.PeakRSSMB != nil {
		fmt.Fprintf(tw, "peak RSS\t%.0f MB\n", *r.PeakRSSMB)
	} else if r.peakNotOwn {
		fmt.Fprintf(tw, "peak RSS\tnone: this system keeps one peak for the process, given for the first --threads value\n")
	}
	return tw.Flush()
}

// median is the middle value of xs, or the mean of the two middle values of
// an even count (0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	h := len(sorted) / 2
	if len(sorted)%2 == 0 {
		return (sorted[h-1] + sorted[h]) / 2
	}
	return sorted[h]
}

// msList prints each run's ms/step as the median is printed.
func msList(ms []float64) string {
	parts := make([]string, len(ms))
	for i, v := range ms {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
