package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// withFlagsFirst lets a command take flags after its positional arguments
// (`study run FILE --out DIR`), which urfave/cli v2 would otherwise treat as
// more positionals: when that happens it runs the command again with the
// flags moved first. A bare "--" keeps the rest positional.
func withFlagsFirst(action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		args := c.Args().Slice()
		flags, positional := splitFlags(c.Command, args)
		if len(flags) == 0 {
			return action(c)
		}
		full := strings.Fields(c.Command.HelpName) // e.g. "mnistgpu study run"
		rerun := append(append(append(full, setFlags(c, nil)...), flags...), "--")
		return newApp().Run(append(rerun, positional...))
	}
}

// setFlags lists the command's flags set on the command line, as
// --name=value, except those in skip.
func setFlags(c *cli.Context, skip map[string]bool) []string {
	var args []string
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if c.IsSet(name) && !skip[name] {
			args = append(args, fmt.Sprintf("--%s=%v", name, c.Value(name)))
		}
	}
	return args
}

// splitFlags separates flag tokens (with their values) from positionals.
func splitFlags(cmd *cli.Command, args []string) (flags, positional []string) {
	isBool := map[string]bool{}
	for _, f := range cmd.Flags {
		if _, ok := f.(*cli.BoolFlag); ok {
			for _, n := range f.Names() {
				isBool[n] = true
			}
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && !isBool[name] && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return flags, positional
}
