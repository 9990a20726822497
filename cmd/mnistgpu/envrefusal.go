package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
)

// refusedSetting is a refused setting (exit 2) that keeps the flag it
// names, so that the command can say where the value came from.
type refusedSetting struct {
	flag, msg string
}

func (e *refusedSetting) Error() string { return "mnistgpu: " + e.msg }
func (e *refusedSetting) ExitCode() int { return 2 }

// settingRefused is the usage error (exit 2) of err, a bad setting, naming
// the flag it is about where it has one.
func settingRefused(err error) error {
	var (
		ve *run.ValueError
		re *run.ResumeChangeError
		dm *run.DataMismatchError
		fl *run.ForeignLockFileError
	)
	flag := ""
	switch {
	case errors.As(err, &ve):
		flag = ve.Flag
	case errors.As(err, &re):
		flag = re.Flag
	case errors.As(err, &dm):
		flag = "data-dir"
	case errors.As(err, &fl):
		flag = fl.Flag
	}
	return &refusedSetting{flag: flag, msg: err.Error()}
}

// nameVariables makes cmd's refusal of a setting that its environment
// variable gave (not the command line) say so: MNISTGPU_EPOCHS=0 was
// refused as "--epochs must be at least 1", a flag nobody typed; likewise
// a setting the file of --config gave (givenByConfigFile).
func nameVariables(cmd *cli.Command) {
	action := cmd.Action
	if action == nil {
		return
	}
	cmd.Action = func(c *cli.Context) error {
		err := action(c)
		var rs *refusedSetting
		if !errors.As(err, &rs) {
			return nameDataVariable(c, err)
		}
		f, ok := run.Lookup(rs.flag)
		switch {
		case ok && fromEnvironment(c, f):
			return usageError("%s%s", rs.msg, givenByEnvironment(f))
		case ok && givenByConfigFile(c, f) != "":
			return usageError("%s%s", rs.msg, givenByConfigFile(c, f))
		}
		return err
	}
}

// givenByEnvironment is what a refusal of f's value adds when f's
// environment variable gave it: " (--threads was given by the environment:
// MNISTGPU_THREADS=-1)".
func givenByEnvironment(f run.Field) string {
	return fmt.Sprintf(" (--%s was given by the environment: %s=%s)", f.Flag, f.Env, os.Getenv(f.Env))
}
