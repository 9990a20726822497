package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
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
				}, configFlags([]string{"run"}, []string{"epochs"}, defaults{"epochs": "the study's (the report ran 100; more than a finished study's extends its cells)"})...),
					configFlags([]string{"device", "source"}, nil, nil)...),
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
					if err := study.Merge(c.String("out"), c.Args().Slice()); err != nil {
						return err
					}
					fmt.Printf("merged %d shard folders into %s\n", c.NArg(), c.String("out"))
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
					md, err := study.Report(c.Args().First())
					if err != nil {
						return err
					}
					fmt.Printf("report: %s and %s\n", md, filepath.Join(filepath.Dir(md), "report.html"))
					return nil
				},
			},
		},
	}
}

func runStudy(c *cli.Context) error {
	f, err := study.Load(c.Args().First())
	if err != nil {
		return usageError("%v", err)
	}
	shard, err := study.ParseShard(c.String("shard"))
	if err != nil {
		return usageError("%v", err)
	}
	epochs := 0
	if c.IsSet("epochs") {
		if epochs = c.Int("epochs"); epochs < 1 {
			return usageError("--epochs must be at least 1, got %d", epochs)
		}
	}
	f = f.WithEpochs(epochs)
	// The device and data flags apply to every cell; the rest comes from
	// the study file.
	base, err := bindConfig(c)
	if err != nil {
		return cliError(err)
	}
	dir := c.String("out")
	if _, _, err := study.Prepare(f, dir, base); err != nil {
		return studyError(err)
	}
	data, err := run.LoadData(base.Source, os.Stderr)
	if err != nil {
		return err
	}
	train := func(cfg run.Config, resume bool) error {
		opts := run.Options{Data: data, Overwrite: true}
		if resume {
			stored, ck, err := run.LoadResume(cfg.Output.Dir)
			if err != nil {
				return err
			}
			given := map[string]string{"epochs": fmt.Sprint(cfg.Epochs)}
			for _, fd := range run.Fields() {
				if fd.Group == "device" || fd.Group == "source" {
					given[fd.Flag] = cfg.GetString(fd)
				}
			}
			if err := run.ApplyOnResume(&stored, given); err != nil {
				return err
			}
			cfg, opts.Resume = stored, ck
		}
		_, err := run.Train(cfg, opts)
		return err
	}
	return studyError(study.Run(f, dir, shard, base, train, os.Stderr))
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
		Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Usage: "PNG file (default: next to the history, curves.png)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("plot needs one history.json")
			}
			path := c.Args().First()
			fh, err := os.Open(path)
			if err != nil {
				return err
			}
			h, err := engine.ReadHistoryJSON(path, fh)
			fh.Close()
			if err != nil {
				return err
			}
			out := c.String("out")
			if out == "" {
				out = filepath.Join(filepath.Dir(path), "curves.png")
			}
			if err := study.HistoryPlot(out, filepath.Base(filepath.Dir(path)), h); err != nil {
				return err
			}
			fmt.Println(out)
			return nil
		},
	}
}
