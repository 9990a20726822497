package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
	"mnistgpu/run"
)

// benchResult is what `mnistgpu bench` measures; JSON field names are stable.
type benchResult struct {
	Device        string    `json:"device"`
	Model         string    `json:"model"`
	BatchSize     int       `json:"batch_size"`
	Steps         int       `json:"steps_per_run"`
	Runs          int       `json:"runs"`
	MsPerStep     float64   `json:"ms_per_step_median"`
	MsPerStepRuns []float64 `json:"ms_per_step_runs"`
	ImgPerSec     float64   `json:"img_per_s"`
	EpochSeconds  float64   `json:"epoch_seconds_48k"`
	MFLOPPerImage float64   `json:"mflop_per_image"`
	GFLOPs        float64   `json:"gflop_per_s"`
	PeakRSSMB     float64   `json:"peak_rss_mb"`
	Threads       int       `json:"threads"`
	Batches       string    `json:"batches"` // "host" (gathered per step) or "resident" (on the device)
}

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "time training steps: ms/step, img/s, projected epoch seconds, GFLOP/s, peak RSS",
		Flags: append(append(append(configFlags(deviceGroup, nil, nil), configFlags(modelGroup, []string{"model", "activation"}, nil)...),
			configFlags([]string{"run"}, []string{"batch-size"}, nil)...),
			&cli.IntFlag{Name: "steps", Value: 50, Usage: "timed steps per run"},
			&cli.IntFlag{Name: "warmup", Value: 5, Usage: "untimed steps first"},
			&cli.IntFlag{Name: "runs", Value: 5, Usage: "timed runs; the median is reported"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table or json"},
		),
		Action: runBench,
	}
}

func runBench(c *cli.Context) error {
	batch, steps, runs := c.Int("batch-size"), c.Int("steps"), c.Int("runs")
	if batch < 1 || steps < 1 || runs < 1 || c.Int("warmup") < 0 {
		return usageError("--batch-size, --steps and --runs must be positive, --warmup not negative")
	}
	if f := c.String("format"); f != "table" && f != "json" {
		return usageError("--format must be table or json, got %q", f)
	}
	m, err := run.BuildModel(c.String("model"), c.String("activation"))
	if err != nil {
		return err
	}
	be, err := openDevice(c, os.Stderr)
	if err != nil {
		return err
	}
	if be.Traits().Simulated {
		return fmt.Errorf("bench: %s is the CPU stand-in of a GPU, for tests; it has no speed to measure", be.Describe())
	}
	if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
		return err
	}
	m.Init(1)
	data := conformance.SyntheticDigits(batch*8, 1)
	opt := engine.NewAdam(0)
	// Batches as the trainer feeds them: resident on the device when the
	// backend asks for it, gathered on the host otherwise.
	batches, err := engine.OpenBatches(be, data, nil, batch)
	if err != nil {
		return err
	}
	defer batches.Free()
	step := func(s int) { m.TrainStep(opt, batches, (s%8)*batch, batch) }
	for s := 0; s < c.Int("warmup"); s++ {
		step(s)
	}
	if err := be.Synchronize(); err != nil {
		return err
	}
	r := benchResult{Device: be.Describe(), Model: m.Name, BatchSize: batch, Steps: steps, Runs: runs, Threads: runtime.GOMAXPROCS(0), Batches: "host"}
	if be.Traits().ResidentData {
		r.Batches = "resident"
	}
	for run := 0; run < runs; run++ {
		start := time.Now()
		for s := 0; s < steps; s++ {
			step(s)
		}
		if err := be.Synchronize(); err != nil {
			return err
		}
		r.MsPerStepRuns = append(r.MsPerStepRuns, float64(time.Since(start).Microseconds())/1000/float64(steps))
	}
	sorted := append([]float64(nil), r.MsPerStepRuns...)
	sort.Float64s(sorted)
	r.MsPerStep = sorted[len(sorted)/2]
	r.ImgPerSec = float64(batch) / (r.MsPerStep / 1000)
	r.EpochSeconds = 48000 / r.ImgPerSec
	_, train := m.FLOPs()
	r.MFLOPPerImage = train / 1e6
	r.GFLOPs = train * r.ImgPerSec / 1e9
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.PeakRSSMB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	if c.String("format") == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "device\t%s\nmodel\t%s, batch %d (%s batches), %d threads\n", r.Device, r.Model, r.BatchSize, r.Batches, r.Threads)
	fmt.Fprintf(tw, "ms/step (median of %d runs of %d)\t%.2f  %v\n", runs, steps, r.MsPerStep, r.MsPerStepRuns)
	fmt.Fprintf(tw, "img/s\t%.0f\nepoch of 48,000 images\t%.2f s\n", r.ImgPerSec, r.EpochSeconds)
	fmt.Fprintf(tw, "training FLOP per image\t%.2f MFLOP\nachieved\t%.1f GFLOP/s\npeak RSS\t%.0f MB\n", r.MFLOPPerImage, r.GFLOPs, r.PeakRSSMB)
	return tw.Flush()
}
