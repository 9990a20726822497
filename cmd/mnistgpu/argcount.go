package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// limitArgs makes cmd (called name, "study run") refuse a flag given twice
// (givenTwice) and more positional arguments than its ArgsUsage names (none
// without one, one per word, any number after "..."), before anything else
// it does: an extra one was silently ignored (`study run a.json b.json` ran
// a.json; `bench --model mlp extra` benched).
func limitArgs(cmd *cli.Command, name string) {
	any := strings.Contains(cmd.ArgsUsage, "...")
	most := len(strings.Fields(cmd.ArgsUsage))
	before := cmd.Before
	cmd.Before = func(c *cli.Context) error {
		if flag, first, second := givenTwice(c); flag != "" {
			return usageError("%s: --%s given twice (%s, then %s): give it once", name, flag, first, second)
		}
		if !any && c.NArg() > most {
			usage := "no arguments, only flags"
			if most > 0 {
				usage = cmd.ArgsUsage + " and flags"
			}
			return usageError("%s: unexpected argument %q (it takes %s)%s", name, c.Args().Get(most), usage, switchHint(c, c.Args().Get(most)))
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}
