package main

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// helpLine is the --help line of the flag name of the command at path
// ("data verify"), "" when the command has no such flag.
func helpLine(t *testing.T, path, name string) string {
	t.Helper()
	cmds, cmd := newApp().Commands, (*cli.Command)(nil)
	for _, word := range strings.Fields(path) {
		if cmd = findCommand(cmds, word); cmd == nil {
			t.Fatalf("no command %q", path)
		}
		cmds = cmd.Subcommands
	}
	for _, f := range cmd.Flags {
		if hasName(f, name) {
			return f.String()
		}
	}
	return ""
}

// TestHelpTextsFitTheirCommand: a flag shared from run.Config's table says
// what it means for the command whose --help shows it. evaluate's
// --data-dir spoke of "the four MNIST IDX files" where evaluate reads the
// two test files alone; data verify offered --offline, which it ignores,
// and a download it never makes; study run's --epochs gave two defaults,
// one nested in the other; evaluate's and predict's --activation said it
// replaces the activation, where a stored model's must agree with it; train's --resume left out --save-every-steps,
// --quiet and --log-format among the flags a resume may change; study run's
// --seeds gave 0 as its default, a value it refuses.
func TestHelpTextsFitTheirCommand(t *testing.T) {
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				if line := f.String(); strings.Count(line, "(default:") > 1 {
					t.Errorf("%s%s --help gives more than one default: %s", path, c.Name, line)
				}
			}
			walk(path+c.Name+" ", c.Subcommands)
		}
	}
	walk("", newApp().Commands)

	for _, c := range []struct {
		path, flag string
		says, not  []string
	}{
		{"train", "data-dir", []string{"four MNIST IDX files", "then a download"}, nil},
		{"evaluate", "data-dir", []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}, []string{"four"}},
		{"evaluate", "no-verify", []string{"test files"}, nil},
		{"predict", "activation", []string{"stores no model"}, []string{"replace"}},
		{"summary", "activation", []string{"replace"}, nil},
		{"data verify", "data-dir", []string{"four MNIST IDX files", "the user cache"}, []string{"download", "GoMNIST"}},
		{"data verify", "no-verify", []string{"valid IDX"}, nil},
		{"data fetch", "offline", []string{"never download"}, nil},
		{"study run", "epochs", []string{"(default: the study's)", "extends its cells"}, []string{"ran 100"}},
		{"train", "log-format", []string{"progress bar"}, nil},
		{"train", "resume", []string{"--epochs", "--max-steps", "--save-every-steps, --quiet and --log-format may change"}, nil},
		{"study run", "seeds", []string{"(default: the study file's seeds)"}, []string{"(default: 0)"}},
		{"study run", "log-format", []string{"status block"}, []string{"progress bar"}},
	} {
		line := helpLine(t, c.path, c.flag)
		if line == "" {
			t.Errorf("%s has no --%s", c.path, c.flag)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(line, s) {
				t.Errorf("%s --help: --%s does not say %q: %s", c.path, c.flag, s, line)
			}
		}
		for _, s := range c.not {
			if strings.Contains(line, s) {
				t.Errorf("%s --help: --%s says %q: %s", c.path, c.flag, s, line)
			}
		}
	}
	if line := helpLine(t, "data verify", "offline"); line != "" {
		t.Errorf("data verify has --offline, which it ignores (it never downloads): %s", line)
	}
}

// TestResumeTakesTheDisplayFlags: --resume's help says --quiet and
// --log-format may be given (they change what is printed, not the run), as
// the README says; a resume with both continues the run.
func TestResumeTakesTheDisplayFlags(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := output(t, "train", "--model", "mlp", "--epochs", "1", "--train-limit", "128", "--data-dir", small, "--no-verify", "--out", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	_, stderr, code := output(t, "train", "--resume", dir, "--epochs", "2", "--quiet", "--log-format", "json")
	if code != 0 || !strings.Contains(stderr, `{"time":`) || !strings.Contains(stderr, `resuming `) {
		t.Errorf("train --resume DIR --epochs 2 --quiet --log-format json: exit %d: %s", code, stderr)
	}
}
