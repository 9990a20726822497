package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtraArgumentsAreRefused: a command given more positional arguments
// than it takes exits 2 naming the first extra one, before it reads or
// runs anything; they were silently ignored (`study run a.json b.json`
// ran a.json, `bench extra` benched, `train extra` trained).
func TestExtraArgumentsAreRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--model", "mlp", "extra"}, `bench: unexpected argument "extra" (it takes no arguments, only flags)`},
		{[]string{"check", "x"}, `check: unexpected argument "x"`},
		{[]string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", small, "--no-verify", "--quiet", "--out", t.TempDir(), "extra"}, `train: unexpected argument "extra"`},
		{[]string{"study", "run", "a.json", "b.json", "--out", t.TempDir()}, `study run: unexpected argument "b.json" (it takes [STUDY.json|default] and flags)`},
		{[]string{"study", "report", "a", "b"}, `study report: unexpected argument "b"`},
		{[]string{"data", "where", "x"}, `data where: unexpected argument "x"`},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit code 2 and %q", c.args, err, c.want)
		}
	}
}

// A flag given twice is refused by name with both forms before anything
// runs: the last one silently won (--early-stopping 9 --early-stopping 5
// ran with 5), whatever the command.
func TestFlagGivenTwiceIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, args := range [][]string{
		{"train", "--early-stopping", "9", "--out", out, "--early-stopping=5"},
		{"train", "--quiet", "--out", out, "--quiet"},
		{"study", "run", "default", "--jobs", "1", "--jobs", "2", "--dry-run", "--out", out},
		{"predict", "--limit", "1", "--limit", "2", "x.png"},
	} {
		err := cliRun(args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "given twice") {
			t.Errorf("%v: %v; want exit 2, given twice", args, err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
}
