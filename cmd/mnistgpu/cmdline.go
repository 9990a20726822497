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
	given, ok := typedFlags(c)
	if !ok {
		return c.IsSet(name)
	}
	for _, g := range given {
		if hasName(g.flag, name) {
			return true
		}
	}
	return false
}

// typedFlag is one flag of a command as the command line gave it: the
// argument (with its value where that is the next one) and its flag.
type typedFlag struct {
	text string
	flag cli.Flag
}

// typedFlags lists the flags of c's command on the command line runApp
// parsed, in their order, up to a "--" (false: no command line recorded).
func typedFlags(c *cli.Context) ([]typedFlag, bool) {
	args, ok := c.App.Metadata[commandLineKey].([]string)
	if !ok {
		return nil, false
	}
	return typedIn(c.Command.Flags, args), true
}

// typedIn lists the flags among flags that args, a command line, types, in
// their order, up to a "--".
func typedIn(flags []cli.Flag, args []string) []typedFlag {
	var out []typedFlag
	value := false // args[i] is the value of the flag before it
	for i, a := range args {
		if value {
			// `--checkpoint -seed` gives --checkpoint the value "-seed", as
			// the parser reads it; it was also taken for a --seed typed,
			// whose default then replaced a --config file's seed.
			value = false
			continue
		}
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		given, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		for _, f := range flags {
			if !hasName(f, given) {
				continue
			}
			if _, isSwitch := f.(*cli.BoolFlag); !isSwitch && !hasValue && i+1 < len(args) {
				a += " " + args[i+1]
				value = true
			}
			out = append(out, typedFlag{a, f})
		}
	}
	return out
}

// givenTwice names a flag of c's command given more than once on the
// command line ("" if none) and the two forms it was given in: the last
// one silently won (`train --early-stopping 9 --early-stopping 5` ran with
// 5), so one value the user typed was dropped. The project has no flag
// that takes a list.
func givenTwice(c *cli.Context) (flag, first, second string) {
	given, _ := typedFlags(c)
	seen := map[string]string{} // flag's first name → the argument that gave it
	for _, g := range given {
		name := g.flag.Names()[0]
		if prev, ok := seen[name]; ok {
			return name, prev, g.text
		}
		seen[name] = g.text
	}
	return "", "", ""
}
