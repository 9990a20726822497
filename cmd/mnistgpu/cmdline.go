package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// commandLineKey is the app's Metadata key of the arguments runApp parsed.
const commandLineKey = "command line"

// onCommandLine reports whether the flag name was given on the command line,
// not only by its environment variable. An environment variable gives a
// flag its default; a run's recorded settings (--resume's state, --config's
// file) are more than a default, and only the command line overrides them:
// an exported MNISTGPU_SEED trained a --config rerun with another seed, and
// refused a --resume naming a --seed nobody typed.
func onCommandLine(c *cli.Context, name string) bool {
	args, ok := c.App.Metadata[commandLineKey].([]string)
	if !ok {
		return c.IsSet(name)
	}
	var names []string
	for _, f := range c.Command.Flags {
		if hasName(f, name) {
			names = f.Names()
		}
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		given, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		for _, n := range names {
			if given == n {
				return true
			}
		}
	}
	return false
}
