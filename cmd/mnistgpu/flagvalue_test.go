package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A value its flag's type cannot hold is refused in the tool's words,
// naming the flag as typed (--seed) and what it takes: the parser said
// `invalid value "-1" for flag -seed: parse error`, and of an exported
// variable `could not parse "abc" as int value from environment variable
// ... strconv.ParseInt: parsing "abc": invalid syntax`.
func TestUnparsableValuesSayWhatTheFlagTakes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"train", "--seed", "-1"}, "", `--seed must be a whole number from 0 to 18446744073709551615, got "-1"`},
		{[]string{"train", "--seed", "18446744073709551616"}, "", `--seed must be a whole number from 0 to 18446744073709551615, got "18446744073709551616"`},
		{[]string{"train", "--epochs", "1.5"}, "", `--epochs must be a whole number, got "1.5"`},
		{[]string{"train", "--epochs", "99999999999999999999"}, "", `--epochs must be a whole number no larger than 9223372036854775807, got "99999999999999999999"`},
		{[]string{"train", "--lr", "abc"}, "", `--lr must be a number (such as 0.001 or 1e-3), got "abc"`},
		{[]string{"train", "--lr", "1e400"}, "", `--lr must be a number within float64's range, got "1e400"`},
		{[]string{"train", "--shuffle=maybe"}, "", `--shuffle must be true or false, got "maybe"`},
		{[]string{"evaluate", "--batch-size", "x"}, "", `--batch-size must be a whole number, got "x"`},
		{[]string{"predict", "--limit", "x", "a.png"}, "", `--limit must be a whole number, got "x"`},
		{[]string{"study", "run", "--seeds", "2.5"}, "", `--seeds must be a whole number, got "2.5"`},
		{[]string{"bench", "--steps", "x"}, "", `--steps must be a whole number, got "x"`},
		{[]string{"train"}, "MNISTGPU_SEED=-3", `--seed must be a whole number from 0 to 18446744073709551615, got "-3" (--seed was given by the environment: MNISTGPU_SEED=-3)`},
		{[]string{"train"}, "MNISTGPU_EPOCHS=abc", `--epochs must be a whole number, got "abc" (--epochs was given by the environment: MNISTGPU_EPOCHS=abc)`},
		{[]string{"evaluate"}, "MNISTGPU_TF32=maybe", `--tf32 must be true or false, got "maybe" (--tf32 was given by the environment: MNISTGPU_TF32=maybe)`},
	} {
		t.Run(strings.Join(append([]string{c.env}, c.args...), " "), func(t *testing.T) {
			if c.env != "" {
				name, value, _ := strings.Cut(c.env, "=")
				t.Setenv(name, value)
			}
			args := c.args
			if args[0] == "train" || args[0] == "study" {
				args = append(args[:len(args):len(args)], "--out", out)
			}
			err := cliRun(args...)
			if exitCode(err) != 2 || err.Error() != "mnistgpu: "+c.want {
				t.Errorf("%v\nwant exit 2, mnistgpu: %s", err, c.want)
			}
		})
	}
}
