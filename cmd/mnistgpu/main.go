// Command mnistgpu trains and evaluates the report's MNIST models on a CPU or
// an NVIDIA GPU. Run `mnistgpu --help` for the commands.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	_ "mnistgpu/cpu"
	_ "mnistgpu/gpu"
)

// usageError is a bad flag value: one line on stderr and exit code 2.
func usageError(format string, a ...any) error {
	return cli.Exit("mnistgpu: "+fmt.Sprintf(format, a...), 2)
}

func newApp() *cli.App {
	onUsage := func(c *cli.Context, err error, _ bool) error { return usageError("%v", err) }
	app := &cli.App{
		Name:  "mnistgpu",
		Usage: "train the report's MNIST MLPs and CNN in Keras semantics, on a CPU or an NVIDIA GPU",
		Commands: []*cli.Command{
			trainCommand(), evaluateCommand(), predictCommand(), summaryCommand(), dataCommand(), checkCommand(), benchCommand(), studyCommand(), plotCommand(),
			versionCommand(), probeCommandDef(),
		},
		OnUsageError:   onUsage,
		ExitErrHandler: func(c *cli.Context, err error) {},
	}
	var setUsage func([]*cli.Command)
	setUsage = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.OnUsageError = onUsage
			setUsage(c.Subcommands)
		}
	}
	setUsage(app.Commands)
	return app
}

func main() {
	app := newApp()
	if handsOver() {
		// --device cuda, cuda:N and auto go to the cuda runner (runner.go).
		useRunner(app, newDispatcher())
	}
	if err := app.Run(flagsFirst(app, os.Args)); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(ec.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "mnistgpu:", err)
		os.Exit(1)
	}
}
