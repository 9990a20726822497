// Command mnistgpu trains and evaluates the report's MNIST models on a CPU or
// an NVIDIA GPU. Run `mnistgpu --help` for the commands.
package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	_ "mnistgpu/cpu"
	_ "mnistgpu/gpu"
	"mnistgpu/run"
)

// usageError is a bad flag value: one line on stderr and exit code 2.
func usageError(format string, a ...any) error {
	return cli.Exit("mnistgpu: "+fmt.Sprintf(format, a...), 2)
}

// undefinedFlag is how the flag parser names a flag it does not know.
var undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)

// onUsage turns a parse error of the command at path ("study run"; "" for
// the program's own flags) into exit code 2, naming the closest flag of the
// command for a mistyped one (--epoch: did you mean --epochs?), or else the
// command's whole name for its --help (the library's name of a subcommand
// is its own alone: "run --help lists the flags" named no command).
func onUsage(path string) cli.OnUsageErrorFunc {
	return func(c *cli.Context, err error, _ bool) error {
		return usageOf(c, err, strings.TrimSpace("mnistgpu "+path))
	}
}

func usageOf(c *cli.Context, err error, command string) error {
	if m := undefinedFlag.FindStringSubmatch(err.Error()); m != nil && c.Command != nil {
		var names []string
		for _, f := range c.Command.Flags {
			names = append(names, f.Names()...)
		}
		if best := run.ClosestOf(m[1], names); best != "" {
			return usageError("unknown flag --%s (did you mean --%s?)", m[1], best)
		}
		return usageError("unknown flag --%s (%s --help lists the flags)", m[1], command)
	}
	if e := flagValueError(c, err); e != nil {
		return e
	}
	return usageError("%v", err)
}

// unknownCommand is the action of the program and of a command with
// subcommands: without arguments it shows the help, with an unknown
// command it is a usage error (exit 2) naming the closest command.
func unknownCommand(c *cli.Context) error {
	if !c.Args().Present() {
		if c.Command == nil || c.Command.Name == "" {
			return cli.ShowAppHelp(c)
		}
		return cli.ShowSubcommandHelp(c)
	}
	return noSuchCommand(c, c.Args().First())
}

// noSuchCommand is the usage error of an unknown command name among c's
// commands (the program's, or a command's subcommands).
func noSuchCommand(c *cli.Context, name string) error {
	cmds := c.App.Commands
	if c.Command != nil && len(c.Command.Subcommands) > 0 {
		cmds = c.Command.Subcommands
	}
	var names []string
	for _, cmd := range cmds {
		if !cmd.Hidden {
			names = append(names, cmd.Name)
		}
	}
	if best := run.ClosestOf(name, names); best != "" {
		return usageError("unknown command %q (did you mean %q?)", name, best)
	}
	return usageError("unknown command %q (the commands are %s)", name, strings.Join(names, ", "))
}

// helpTopicError is the app's Metadata key of a `help` of no command.
const helpTopicError = "help-topic-error"

func newApp() *cli.App {
	app := &cli.App{
		Name:  "mnistgpu",
		Usage: "train the report's MNIST MLPs and CNN in Keras semantics, on a CPU or an NVIDIA GPU",
		Commands: []*cli.Command{
			trainCommand(), evaluateCommand(), predictCommand(), summaryCommand(), dataCommand(), checkCommand(), benchCommand(), studyCommand(), plotCommand(),
			versionCommand(), probeCommandDef(),
		},
		OnUsageError:   onUsage(""),
		ExitErrHandler: func(c *cli.Context, err error) {},
		Action:         unknownCommand,
		Metadata:       map[string]any{},
	}
	// `help NAME` of no command: the library prints a line and exits 3, or
	// calls this and exits 0; main turns the error kept here into the usage
	// error (exit 2) an unknown command gets.
	app.CommandNotFound = func(c *cli.Context, name string) {
		app.Metadata[helpTopicError] = noSuchCommand(c, name)
	}
	var setUsage func([]*cli.Command, string)
	setUsage = func(cmds []*cli.Command, path string) {
		for _, c := range cmds {
			c.OnUsageError = onUsage(path + c.Name)
			if len(c.Subcommands) > 0 && c.Action == nil {
				c.Action = unknownCommand
			}
			if len(c.Subcommands) == 0 {
				limitArgs(c, path+c.Name)
				nameVariables(c)
				sayIgnoredVariables(c)
			}
			setUsage(c.Subcommands, path+c.Name+" ")
		}
	}
	setUsage(app.Commands, "")
	return app
}

// runApp runs app on the command line args, with a `help` of no command
// as its error.
func runApp(app *cli.App, args []string) error {
	args = helpOfSubcommand(app, args)
	app.Metadata[commandLineKey] = args // as typed, flags and words in their order
	typedOverVariables(app, args)
	err := app.Run(flagsFirst(app, args))
	if e, ok := app.Metadata[helpTopicError].(error); ok && err == nil {
		return e
	}
	return err
}

// helpOfSubcommand turns `help CMD SUB...` into `CMD help SUB...` where
// CMD has subcommands: the library's help reads only its first argument, so
// `help study merge` showed study's help and `help study merg` exited 0,
// where `study help merg` is the unknown command it is (exit 2).
func helpOfSubcommand(app *cli.App, args []string) []string {
	if len(args) < 4 || (args[1] != "help" && args[1] != "h") {
		return args
	}
	if c := findCommand(app.Commands, args[2]); c != nil && len(c.Subcommands) > 0 {
		return append([]string{args[0], args[2], "help"}, args[3:]...)
	}
	return args
}

func main() {
	app := newApp()
	if handsOver() {
		// --device cuda, cuda:N and auto go to the cuda runner (runner.go).
		useRunner(app, newDispatcher())
	}
	if err := runApp(app, os.Args); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			fmt.Fprintln(logOut, err)
			os.Exit(ec.ExitCode())
		}
		fmt.Fprintln(logOut, "mnistgpu:", err)
		os.Exit(1)
	}
}
