package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
)

// ignoredVariablesKey is the app's Metadata key of the lines that say which
// malformed variables a typed flag left unread (typedOverVariables).
const ignoredVariablesKey = "ignored variables"

// typedOverVariables keeps a malformed environment variable from stopping
// a command whose flag for it is typed on the command line args: the flag
// parser reads every flag's variable before the command line, and refused
// `MNISTGPU_EPOCHS=abc mnistgpu train --epochs 2` (exit 2) over a value
// the typed flag replaces. Such a flag stops reading its variable for this
// run, and the command says so in one line (sayIgnoredVariables); a
// variable whose flag is not typed is read, and refused, as before, but
// where the command does not use it: a help (helpOverVariables) and a
// resume (resumeOverVariables).
func typedOverVariables(app *cli.App, args []string) {
	cmd, i := commandOf(app, args)
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return
	}
	if asksHelp(cmd, args[i:]) {
		helpOverVariables(cmd)
		return
	}
	var lines []string
	typed := typedIn(cmd.Flags, args[i:])
	for _, g := range typed {
		name, value, malformed := malformedVariable(g.flag)
		if !malformed || !dropVariables(g.flag) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s=%s is not used: --%s is typed, which wins over it", name, value, g.flag.Names()[0]))
	}
	if resumes(typed) {
		lines = append(lines, resumeOverVariables(cmd)...)
	}
	if len(lines) > 0 {
		app.Metadata[ignoredVariablesKey] = lines
	}
}

// resumes reports whether typed, the flags a command line types, names a
// run to continue (--resume DIR).
func resumes(typed []typedFlag) bool {
	for _, g := range typed {
		if hasName(g.flag, "resume") {
			name := strings.TrimLeft(g.text, "-")
			return len(name) > len("resume")+1 // "resume DIR", "resume=DIR"
		}
	}
	return false
}

// resumeOverVariables keeps a malformed variable that a resume does not
// read from stopping it, and lists a line for each: a resume takes its
// settings from the run's record and reads only the variables of the
// machine's settings (run.Field's Machine: the device, TF32, threads, where
// the data is), yet `MNISTGPU_EPOCHS=abc mnistgpu train --resume DIR`
// exited 2. A well-formed one stays silent, as the record wins over it; a
// malformed variable of the machine's is read, and refused, as before.
func resumeOverVariables(cmd *cli.Command) []string {
	var lines []string
	for _, f := range cmd.Flags {
		rf, ok := run.Lookup(f.Names()[0])
		if !ok || rf.Env == "" || rf.Machine {
			continue
		}
		name, value, malformed := malformedVariable(f)
		if !malformed || !dropVariables(f) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s=%s is not used: --resume continues the run with its recorded settings", name, value))
	}
	return lines
}

// asksHelp reports whether args, the command line after cmd's name, types
// --help or -h (not as another flag's value), which shows cmd's help and
// runs nothing.
func asksHelp(cmd *cli.Command, args []string) bool {
	flags := append(cmd.Flags[:len(cmd.Flags):len(cmd.Flags)], cli.HelpFlag)
	for _, g := range typedIn(flags, args) {
		if g.flag == cli.HelpFlag {
			return true
		}
	}
	return false
}

// helpOverVariables keeps a malformed variable from stopping cmd's help,
// which reads none: `MNISTGPU_EPOCHS=abc mnistgpu train --help` exited 2,
// as the flag parser reads every variable before it sees --help. The
// variable is unset for this process, which only shows the help, so that
// the help still names it beside its flag ([$MNISTGPU_EPOCHS]) and shows
// the flag's own default.
func helpOverVariables(cmd *cli.Command) {
	for _, f := range cmd.Flags {
		if name, _, malformed := malformedVariable(f); malformed {
			os.Unsetenv(name)
		}
	}
}

// malformedVariable reports whether the environment variable that f reads
// holds a value f's type cannot (MNISTGPU_EPOCHS=abc), with its name and
// value: f, copied, is applied to a flag set of its own, which reads the
// variable as the command's would.
func malformedVariable(f cli.Flag) (name, value string, malformed bool) {
	env, ok := f.(interface{ GetEnvVars() []string })
	if !ok {
		return "", "", false
	}
	for _, v := range env.GetEnvVars() {
		if got, set := os.LookupEnv(v); set {
			name, value = v, got
			break
		}
	}
	if name == "" {
		return "", "", false
	}
	orig := reflect.ValueOf(f)
	if orig.Kind() != reflect.Pointer || orig.Elem().Kind() != reflect.Struct {
		return "", "", false
	}
	copied := reflect.New(orig.Elem().Type())
	copied.Elem().Set(orig.Elem())
	set := flag.NewFlagSet("", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	err := copied.Interface().(cli.Flag).Apply(set)
	return name, value, err != nil
}

// dropVariables makes f read no environment variable (false: f is of a
// kind that has none to drop).
func dropVariables(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.IntFlag:
		f.EnvVars = nil
	case *cli.Uint64Flag:
		f.EnvVars = nil
	case *cli.Float64Flag:
		f.EnvVars = nil
	case *cli.BoolFlag:
		f.EnvVars = nil
	case *cli.StringFlag:
		f.EnvVars = nil
	default:
		return false
	}
	return true
}

// sayIgnoredVariables makes cmd's action start with the lines of
// typedOverVariables: written there, they take --log-format's form, and a
// command handed to the cuda runner (runner.go) says them once, in the
// runner, which reads the same command line and environment.
func sayIgnoredVariables(cmd *cli.Command) {
	action := cmd.Action
	if action == nil {
		return
	}
	cmd.Action = func(c *cli.Context) error {
		lines, _ := c.App.Metadata[ignoredVariablesKey].([]string)
		for _, l := range lines {
			fmt.Fprintln(logOut, l)
		}
		return action(c)
	}
}
