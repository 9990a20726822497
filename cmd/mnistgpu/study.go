package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"mnistgpu/mnist"
	"mnistgpu/run"
	"mnistgpu/study"
)

func studyCommand() *cli.Command {
	return &cli.Command{
		Name:  "study",
		Usage: "run, merge and report a grid of training runs (the report's comparison by default)",
		Subcommands: []*cli.Command{
			{
				Name:      "run",
				Usage:     "train every cell of a study file (or the report's default grid); finished cells are skipped",
				ArgsUsage: "[STUDY.json|default]",
				Flags: append(append([]cli.Flag{
					&cli.StringFlag{Name: "out", Value: "runs/study", Usage: "study folder"},
					&cli.StringFlag{Name: "shard", Usage: "k/n: run only cells k-1, k-1+n, ... (for Slurm arrays or Kubernetes indexed Jobs)"},
					&cli.IntFlag{Name: "jobs", Usage: "cells trained at once on each device, each on its own backend (on the CPU they share --threads); results do not depend on it",
						DefaultText: fmt.Sprintf("cpu: one per 2 threads, here %d; cuda: %d per GPU", study.DefaultJobs("cpu", runtime.GOMAXPROCS(0), 1<<30), study.GPUJobs)},
					&cli.StringFlag{Name: "devices", Usage: "cuda: GPUs to spread the cells over, e.g. 0,1,2,3, each running --jobs cells"},
					&cli.BoolFlag{Name: "dry-run", Usage: "print every cell with its settings, where it would run, its estimated memory and time, and exit without training or writing"},
					&cli.IntFlag{Name: "seeds", Usage: "train every setting with seeds 1..N (replaces the study file's list), for mean ± std in the report", DefaultText: "the study file's seeds"},
					logFormatFlag("no live status block: a line per finished cell"),
				}, configFlags([]string{"run"}, []string{"epochs"}, texts{"epochs": {Default: "the study's", Usage: "epochs to train each cell (the report used 100); more than a finished study's extends its cells"}})...),
					configFlags([]string{"device", "source"}, nil, nil)...),
				Before: openLog,
				Action: runStudy,
			},
			{
				Name:      "merge",
				Usage:     "combine shard folders into one study folder",
				ArgsUsage: "SHARD_DIR...",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Value: "runs/study", Usage: "merged study folder"}},
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return usageError("study merge needs shard folders")
					}
					for i, dir := range c.Args().Slice() {
						if dir == "" { // "$SHARD" of an unset variable: was "merge:  is no study folder: stat study.json"
							return usageError("study merge: shard folder %d given is \"\" (an unset variable?): name a shard's study folder", i+1)
						}
					}
					if err := study.Merge(c.String("out"), c.Args().Slice(), os.Stderr); err != nil {
						return studyError(err)
					}
					fmt.Printf("merged %s into %s\n", run.Plural(c.NArg(), "shard folder"), c.String("out"))
					return nil
				},
			},
			{
				Name:      "report",
				Usage:     "plots, a table and the report's conclusions checked (markdown and self-contained HTML)",
				ArgsUsage: "STUDY_DIR",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageError("study report needs one study folder")
					}
					if c.Args().First() == "" { // was "mnistgpu:  is no study folder"
						return usageError("study report: the study folder given is \"\" (an unset variable?): name a study's folder (study run's --out)")
					}
					md, err := study.Report(c.Args().First(), os.Stderr)
					if err != nil {
						return studyError(err)
					}
					fmt.Printf("report: %s and %s\n", md, filepath.Join(filepath.Dir(md), "report.html"))
					return nil
				},
			},
		},
	}
}

func runStudy(c *cli.Context) error {
	defer flushLog()
	if c.NArg() > 0 && c.Args().First() == "" {
		// `study run "$STUDY"` with the variable unset: the report's 32
		// cells would train in its place.
		return usageError("study run: the study file given is \"\" (an unset variable?): name a study file, or leave it out for the report's default study")
	}
	seeds := 0
	if c.IsSet("seeds") {
		if seeds = c.Int("seeds"); seeds < 1 {
			return usageError("--seeds must be at least 1, got %d", seeds)
		}
	}
	// --seeds replaces the file's list before the file is checked: a file
	// that lists none was refused for it.
	f, err := study.LoadSeeds(c.Args().First(), seeds)
	if err != nil {
		return usageError("%v", err) // names --seeds or the file, whichever is wrong
	}
	shard, err := study.ParseShard(c.String("shard"))
	if err != nil {
		return usageError("%v", err)
	}
	epochs := 0
	if onCommandLine(c, "epochs") { // MNISTGPU_EPOCHS is a default, which the file's epochs override
		if epochs = c.Int("epochs"); epochs < 1 {
			return usageError("--epochs must be at least 1, got %d", epochs)
		}
	}
	if epochs == 0 && !f.SetsEpochs() {
		// The study folder's record wins over MNISTGPU_EPOCHS and the
		// default, as a run's record does on --resume; a new study records
		// the epochs it trains, so that running it again continues them.
		if epochs = study.RecordedEpochs(c.String("out")); epochs == 0 && c.Int("epochs") >= 1 {
			epochs = c.Int("epochs")
		}
	}
	f = f.WithEpochs(epochs)
	if c.Int("jobs") < 0 {
		return usageError("--jobs must be at least 1 (or 0: the device's default), got %d", c.Int("jobs"))
	}
	devices, err := parseDevices(c.String("devices"))
	if err != nil {
		return usageError("%v", err)
	}
	// The device and data flags apply to every cell; the rest comes from
	// the study file.
	base, err := bindConfig(c)
	if err != nil {
		return cliError(err)
	}
	if err := studyFlagsAgree(c, f, base); err != nil {
		return err
	}
	// Stops are watched from here, before the study is planned and its
	// data loaded (a download can take minutes), as train watches them
	// from its start: a warning signal (Slurm's --signal=B:USR1@N, the job
	// script of docs/study.md passing it on) sent meanwhile was ignored by
	// the runtime, and the cells trained on to the time limit.
	var stop *signalStop // a dry run trains nothing and returns before its use
	if !c.Bool("dry-run") {
		stop = watchSignals("study")
		defer stop.release()
	}
	dir := c.String("out")
	if dir != "" {
		dir = filepath.Clean(dir) // x/../s is s, and makes no x
	}
	cells, cfgs, err := study.Prepare(f, dir, base)
	if err != nil {
		return studyError(err)
	}
	if err := deviceFlagsReach(c, base, cfgs); err != nil {
		return err
	}
	fileThreadsUnused(c, f, cfgs)
	studyEnvUnused(c, f)
	for _, line := range f.UnusedFixed(cells, cfgs) {
		fmt.Fprintln(logOut, line)
	}
	source := base.Source
	if len(cfgs) > 0 {
		source = cfgs[0].Source // with the file's fixed data settings: what each cell records
	}
	if source.Dir == "" {
		// No folder given: a study continued finds its data as a resumed
		// run does, in the folder its cells recorded first, and its cells
		// go on recording it. A folder given is read as given.
		if recorded := study.RecordedDataDir(cfgs, logOut); recorded != "" {
			base.Source.Dir, source.Dir = recorded, recorded
		}
	}
	// A study continued keeps its cells' recorded --no-verify, as train
	// --resume keeps a run's: said, so that it is known to read its data
	// unverified. It was refused by the checksums, telling the user to pass
	// it. A --no-verify typed (=false too) or fixed by the file is kept.
	fd, _ := run.Lookup("no-verify")
	if _, _, _, fixed := f.Setting(fd); !source.NoVerify && !fixed && !onCommandLine(c, "no-verify") {
		if cell := study.RecordedNoVerify(cfgs); cell != "" {
			base.Source.NoVerify, source.NoVerify = true, true
			fmt.Fprintf(logOut, "study %s keeps the --no-verify its cells were trained with (%s records it): its data is not checked against MNIST's checksums; --no-verify=false checks it\n",
				f.Name, filepath.Join(cell, run.ConfigFile))
		}
	}
	data, err := run.LoadData(source, logOut)
	if ce := (*mnist.ChecksumError)(nil); errors.As(err, &ce) && !source.NoVerify {
		if cell := study.RecordedNoVerify(cfgs); cell != "" {
			// The cells trained on a set that is not the canonical one:
			// not a corrupt file, a flag left out (--no-verify=false).
			return usageError("%v; the study's cells were trained with --no-verify (%s records it): pass --no-verify to continue the study, as they were trained",
				err, filepath.Join(cell, run.ConfigFile))
		}
	}
	if err != nil {
		return cliError(err)
	}
	live := logOut == io.Writer(os.Stderr) && vtTerminal(os.Stderr)
	width := 0
	if live {
		width, _, _ = term.GetSize(int(os.Stderr.Fd()))
	}
	if c.Bool("dry-run") {
		return studyError(dryRun(f, dir, base, study.Options{Shard: shard, Jobs: c.Int("jobs"), Devices: devices,
			Data: data, Log: logOut, Live: live, Width: width}))
	}
	return stop.exit(study.Run(f, dir, base, study.Options{Shard: shard, Jobs: c.Int("jobs"), Devices: devices,
		Data: data, Log: logOut, Live: live, Width: width, Stop: stop.C, Trained: stop.trainingEnded}), studyError)
}

// dryRun prints the study's plan with its estimates on stdout.
func dryRun(f study.File, dir string, base run.Config, o study.Options) error {
	plan, err := study.NewPlan(f, dir, base, o)
	if err != nil {
		return err
	}
	total, err := plan.Estimate(o.Data)
	if err != nil {
		return err
	}
	plan.Print(os.Stdout, total)
	return nil
}

// parseDevices reads --devices "0,1,3".
func parseDevices(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("--devices %q: want GPU indices such as 0,1,2", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// studyError gives a study's errors their exit codes: 2 for a study that
// cannot run as written, 1 when cells failed.
func studyError(err error) error {
	var se *study.SettingError
	var fe *study.FailedError
	switch {
	case errors.As(err, &se):
		return usageError("%v", err)
	case errors.As(err, &fe):
		return cli.Exit("mnistgpu: "+fe.Error(), 1)
	}
	return cliError(err)
}

func plotCommand() *cli.Command {
	return &cli.Command{
		Name:      "plot",
		Usage:     "plot a run's loss and accuracy curves from its history.json",
		ArgsUsage: "HISTORY.json",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Usage: "picture file, a PNG, an SVG or a PDF by its extension (default: next to the history, curves.png)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("plot needs one history.json")
			}
			path := c.Args().First()
			if path == "" { // "$RUN/history.json" is never "": an unset variable
				return usageError("plot: the history file given is \"\" (an unset variable?): name a run's history.json")
			}
			h, err := readPlotHistory(path)
			if err != nil {
				return err
			}
			// A study.json, or any JSON object, reads as an empty history;
			// so does a run's before its first epoch's end (one its step
			// budget or a stop ended within it: history.json holds whole
			// epochs).
			if len(h.Logs) == 0 {
				return usageError("%s holds no epochs: plot takes a run's history.json once the run has ended an epoch", path)
			}
			out := c.String("out")
			if out == "" && onCommandLine(c, "out") {
				return usageError("--out \"\" is empty: name the picture file (.png, .svg or .pdf), or leave --out out for %s", filepath.Join(filepath.Dir(path), run.PlotFile))
			}
			if out == "" {
				out = filepath.Join(filepath.Dir(path), run.PlotFile)
			}
			if why := plotOutProblem(out); why != "" {
				return usageError("--out %s %s: name a .png, .svg or .pdf file", out, why)
			}
			if err := study.HistoryPlot(out, filepath.Base(filepath.Dir(path)), h); err != nil {
				return err
			}
			fmt.Println(out)
			return nil
		},
	}
}
