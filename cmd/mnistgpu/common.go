package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// openDevice opens the backend that the command's device flags ask for.
func openDevice(c *cli.Context, log io.Writer) (engine.Backend, error) {
	cfg, err := bindConfig(c)
	if err != nil {
		return nil, cliError(err)
	}
	be, err := run.OpenBackend(cfg, log)
	return be, cliError(err)
}

// loadData locates MNIST as the command's data flags say.
func loadData(c *cli.Context, log io.Writer) (*mnist.Set, error) {
	cfg, err := bindConfig(c)
	if err != nil {
		return nil, cliError(err)
	}
	return run.LoadData(cfg.Source, log)
}
