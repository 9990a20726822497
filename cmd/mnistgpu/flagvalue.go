package main

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// How the flag parser refuses a value its flag's type cannot hold: typed
// (Go's flag package: "invalid value "-1" for flag -seed: parse error",
// "invalid boolean value "maybe" for -shuffle: parse error"), or exported
// (the library: "could not parse "abc" as int value from environment
// variable "MNISTGPU_EPOCHS" for flag epochs: strconv.ParseInt: ...").
var (
	badTypedValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:\s]+): (.*)$`)
	badEnvValue   = regexp.MustCompile(`^could not parse "(.*)" as \w+ value from environment variable "([^"]+)" for flag ([^:\s]+): (.*)$`)
)

// flagValueError says in the tool's words what a value the flag parser
// refused should be: "--seed must be a whole number from 0 to
// 18446744073709551615, got "-1"", where it said "parse error" and named
// the flag with one dash. A variable's value is named by its variable, as
// other refusals of it are. It returns nil for any other error.
func flagValueError(c *cli.Context, err error) error {
	var value, name, by, why string
	if m := badTypedValue.FindStringSubmatch(err.Error()); m != nil {
		value, name, why = m[1], m[2], m[3]
	} else if m := badEnvValue.FindStringSubmatch(err.Error()); m != nil {
		value, by, name, why = m[1], fmt.Sprintf(" (--%s was given by the environment: %s=%s)", m[3], m[2], m[1]), m[3], m[4]
	} else {
		return nil
	}
	rangeErr := strings.Contains(why, "value out of range")
	var want string
	switch commandFlag(c, name).(type) {
	case *cli.IntFlag:
		want = "a whole number"
		switch {
		case rangeErr && strings.HasPrefix(value, "-"):
			want = fmt.Sprintf("a whole number no smaller than %d", math.MinInt)
		case rangeErr:
			want = fmt.Sprintf("a whole number no larger than %d", math.MaxInt)
		}
	case *cli.Uint64Flag:
		want = fmt.Sprintf("a whole number from 0 to %d", uint64(math.MaxUint64))
	case *cli.Float64Flag:
		want = "a number (such as 0.001 or 1e-3)"
		if rangeErr {
			want = "a number within float64's range"
		}
	case *cli.BoolFlag:
		want = "true or false"
	default:
		return nil
	}
	return usageError("--%s must be %s, got %q%s", name, want, value, by)
}

// commandFlag is the flag of c's command (or of the program) called name.
func commandFlag(c *cli.Context, name string) cli.Flag {
	var flags []cli.Flag
	if c.Command != nil {
		flags = c.Command.Flags
	}
	if c.App != nil {
		flags = append(flags[:len(flags):len(flags)], c.App.Flags...)
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}
