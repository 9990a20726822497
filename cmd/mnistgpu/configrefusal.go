package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// givenByConfigFile is what a refusal of f's value adds when the file of
// train --config gave it (not the command line, nor f's variable): a
// hand-written config.json's "epochs": 0 was refused as "--epochs must be
// at least 1, got 0", a flag nobody typed, without naming the file. ""
// where the file does not hold f.
func givenByConfigFile(c *cli.Context, f run.Field) string {
	if !hasFlag(c, "config") || c.String("config") == "" || onCommandLine(c, f.Flag) || fromEnvironment(c, f) {
		return ""
	}
	file := c.String("config")
	raw, err := engine.ReadFile(file, "config file", engine.MaxSettingsFile)
	if err != nil {
		return ""
	}
	v, ok := run.JSONPath(raw, f.Path)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (--%s was given by --config %s: %q: %s)", f.Flag, file, f.Path, v)
}
