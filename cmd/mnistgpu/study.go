package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
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
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "out", Value: "runs/study", Usage: "study folder"},
					&cli.StringFlag{Name: "shard", Usage: "k/n: run only cells k-1, k-1+n, ... (for Slurm arrays or Kubernetes indexed Jobs)"},
					&cli.IntFlag{Name: "epochs", Usage: "override the study's epochs (the report ran 100)"},
					deviceFlag(), tf32Flag(),
				}, dataFlags()...),
				Action: withFlagsFirst(runStudy),
			},
			{
				Name:      "merge",
				Usage:     "combine shard folders into one study folder",
				ArgsUsage: "SHARD_DIR...",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Value: "runs/study", Usage: "merged study folder"}},
				Action: withFlagsFirst(func(c *cli.Context) error {
					if c.NArg() == 0 {
						return usageError("study merge needs shard folders")
					}
					if err := study.Merge(c.String("out"), c.Args().Slice()); err != nil {
						return err
					}
					fmt.Printf("merged %d shard folders into %s\n", c.NArg(), c.String("out"))
					return nil
				}),
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
	if c.Int("epochs") < 0 {
		return usageError("--epochs must not be negative")
	}
	var pass []string // data and device flags go to every cell
	for _, name := range []string{"device", "tf32", "data-dir", "offline", "no-verify"} {
		if c.IsSet(name) {
			pass = append(pass, fmt.Sprintf("--%s=%v", name, c.Value(name)))
		}
	}
	run := func(dir string, args []string, resume bool) error {
		a := []string{"mnistgpu", "train", "--quiet"}
		if resume {
			a = append(a, "--resume", dir)
		} else {
			a = append(append(append(a, args...), pass...), "--out", dir)
		}
		return newApp().Run(a)
	}
	return study.Run(f, c.String("out"), shard, c.Int("epochs"), run, os.Stderr)
}

func plotCommand() *cli.Command {
	return &cli.Command{
		Name:      "plot",
		Usage:     "plot a run's loss and accuracy curves from its history.json",
		ArgsUsage: "HISTORY.json",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Usage: "PNG file (default: next to the history, curves.png)"}},
		Action: withFlagsFirst(func(c *cli.Context) error {
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
		}),
	}
}
