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
		var set []string
		for _, f := range c.Command.Flags {
			name := f.Names()[0]
			if c.IsSet(name) {
				set = append(set, "--"+name+"="+valueString(c, name))
			}
		}
		rerun := append(append(append(full, set...), flags...), "--")
		return newApp().Run(append(rerun, positional...))
	}
}

func valueString(c *cli.Context, name string) string {
	v := c.Value(name)
	if s, ok := v.(cli.StringSlice); ok {
		return strings.Join(s.Value(), ",")
	}
	return strings.TrimSpace(strings.Trim(fmtValue(v), "[]"))
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

func fmtValue(v any) string { return fmt.Sprint(v) }
