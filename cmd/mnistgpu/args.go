package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst lets a command take flags after its positional arguments
// (`study run FILE --out DIR`), which urfave/cli v2 would otherwise treat as
// more positionals: it moves the command's flags (with their values) before
// its positionals, ahead of one parse. A bare "--" keeps the rest
// positional.
func flagsFirst(app *cli.App, args []string) []string {
	var cmd *cli.Command
	cmds, i := app.Commands, 1
	for ; i < len(args); i++ {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		cmd, cmds = next, next.Subcommands
	}
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return args
	}
	flags, positional := splitFlags(cmd, args[i:])
	out := append(append([]string(nil), args[:i]...), flags...)
	if len(positional) > 0 {
		out = append(append(out, "--"), positional...)
	}
	return out
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// splitFlags separates flag tokens (with their values) from positionals.
func splitFlags(cmd *cli.Command, args []string) (flags, positional []string) {
	isBool := map[string]bool{"help": true, "h": true}
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
