package main

import (
	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// envFillsConfigGap reports whether f's environment variable gives f to a
// train --config rerun whose file leaves f out (a hand-written file; a
// run's config.json holds every setting): the variable is the default a
// setting the file leaves out keeps, as for a new run. MNISTGPU_BATCH_SIZE
// and MNISTGPU_SEED were dropped in silence beside such a file, the run
// trained at the built-in 64 and 1.
func envFillsConfigGap(c *cli.Context, f run.Field) bool {
	if f.Env == "" || !hasFlag(c, "config") || c.String("config") == "" {
		return false
	}
	raw, err := engine.ReadFile(c.String("config"), "config file", engine.MaxSettingsFile)
	if err != nil {
		return false // reading the file says why
	}
	if _, legacy := run.JSONPath(raw, "args"); legacy {
		return false // an early version's record, {"args": [...]}: every setting is in its list
	}
	_, held := run.JSONPath(raw, f.Path)
	return !held
}
