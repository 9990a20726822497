package main

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
)

// Groups of run.Config settings, by the Config field they live in.
var (
	deviceGroup = []string{"device"}
	sourceGroup = []string{"source"}
	modelGroup  = []string{"model"}
	allGroups   = []string{"*"}
)

// texts is the --help text, by flag name, of a command that means
// something else by a flag of the table than train does: Default for the
// flag left unset (evaluate's --model: the model stored in the weights
// file), Usage for the flag itself (evaluate's --data-dir holds the two
// test files, not train's four). An empty field keeps the table's text.
type texts map[string]flagText

type flagText struct{ Default, Usage string }

// configFlags makes the flags of the run.Config settings in groups ("*":
// all), in table order, from the one table in package run. only, if given,
// keeps just those flags of the groups.
func configFlags(groups []string, only []string, text texts) []cli.Flag {
	base := run.Default()
	var out []cli.Flag
	for _, f := range run.Fields() {
		if !wanted(f, groups, only) {
			continue
		}
		def, usage := f.Default, f.Usage
		if t := text[f.Flag]; t.Default != "" {
			def = t.Default
		}
		if t := text[f.Flag]; t.Usage != "" {
			usage = t.Usage
		}
		var env []string
		if f.Env != "" {
			env = []string{f.Env}
		}
		v := base.Get(f) // nil for a setting not given by default: its flag starts at zero, unset
		var flag cli.Flag
		switch f.Kind {
		case reflect.String:
			x, _ := v.(string)
			flag = &cli.StringFlag{Name: f.Flag, Usage: usage, EnvVars: env, Value: x, DefaultText: def}
		case reflect.Bool:
			x, _ := v.(bool)
			flag = &cli.BoolFlag{Name: f.Flag, Usage: usage, EnvVars: env, Value: x, DefaultText: def}
		case reflect.Int:
			x, _ := v.(int)
			flag = &cli.IntFlag{Name: f.Flag, Usage: usage, EnvVars: env, Value: x, DefaultText: def}
		case reflect.Uint64:
			x, _ := v.(uint64)
			flag = &cli.Uint64Flag{Name: f.Flag, Usage: usage, EnvVars: env, Value: x, DefaultText: def}
		case reflect.Float64:
			x, _ := v.(float64)
			flag = &cli.Float64Flag{Name: f.Flag, Usage: usage, EnvVars: env, Value: x, DefaultText: def}
		}
		tableFlags.Store(flag, true)
		out = append(out, flag)
	}
	return out
}

// tableFlags are the flags made by configFlags: a command may also have a
// flag of its own by a setting's name (bench's --threads takes a list),
// which bindConfig leaves alone.
var tableFlags sync.Map

func wanted(f run.Field, groups, only []string) bool {
	in := false
	for _, g := range groups {
		in = in || g == "*" || g == f.Group
	}
	if !in || only == nil {
		return in
	}
	for _, o := range only {
		if o == f.Flag {
			return true
		}
	}
	return false
}

// givenFlags lists the run settings given to a resume, flag name → value
// as text: those that override a recorded setting (see overridesRecord).
func givenFlags(c *cli.Context) map[string]string {
	given := map[string]string{}
	for _, f := range run.Fields() {
		if overridesRecord(c, f) {
			given[f.Flag] = fmt.Sprint(c.Value(f.Flag))
		}
	}
	return given
}

// overridesRecord is the one rule for flags over a run's recorded settings
// (--resume's state, --config's file): a flag on the command line
// overrides its setting, and so does the environment variable of a machine
// setting (device, TF32, threads, where the data is: run.Field.Machine).
// Any other variable is a default, which the recorded value wins over: an
// exported MNISTGPU_EPOCHS refused a resume naming an --epochs nobody
// typed, or extended the run in silence.
func overridesRecord(c *cli.Context, f run.Field) bool {
	return hasTableFlag(c, f.Flag) && (onCommandLine(c, f.Flag) || envReachesRecord(c, f) && c.IsSet(f.Flag))
}

// envReachesRecord reports whether f's environment variable applies to a
// recorded run as its flag would: a machine setting's does, and so does
// MNISTGPU_OUT to a --config rerun, a new run whose folder it names (the
// recorded folder was used instead, and with --overwrite the first run
// was replaced), and so does any variable to a --config rerun whose file
// leaves its setting out (envFillsConfigGap).
func envReachesRecord(c *cli.Context, f run.Field) bool {
	return f.Machine || f.Flag == "out" && hasFlag(c, "config") && c.String("config") != "" || envFillsConfigGap(c, f)
}

// readsRecord reports whether c's command starts from a run's recorded
// settings (--resume or --config given).
func readsRecord(c *cli.Context) bool {
	for _, name := range []string{"resume", "config"} {
		if hasFlag(c, name) && c.String(name) != "" {
			return true
		}
	}
	return false
}

// fromEnvironment reports whether the setting f of c's command holds the
// value of its environment variable: set there, not on the command line,
// and taken (by a new run, or as overridesRecord says).
func fromEnvironment(c *cli.Context, f run.Field) bool {
	return f.Env != "" && hasTableFlag(c, f.Flag) && c.IsSet(f.Flag) && !onCommandLine(c, f.Flag) && (envReachesRecord(c, f) || !readsRecord(c))
}

// bindConfig is run.Default with the command's set flags applied.
func bindConfig(c *cli.Context) (run.Config, error) {
	return bindOnto(c, run.Default(), func(c *cli.Context, f run.Field) bool { return hasTableFlag(c, f.Flag) && c.IsSet(f.Flag) })
}

// bindOnto is cfg with the command's flags that set says are set applied
// (run.Config.Override: a recorded default that no longer fits them is
// filled in anew, and run.Config.FitDevice: so is a recorded device
// setting). A recorded cfg takes overridesRecord.
func bindOnto(c *cli.Context, cfg run.Config, set func(*cli.Context, run.Field) bool) (run.Config, error) {
	recorded, recordedTF32 := cfg.Device.Threads, cfg.Device.TF32 // --config's
	cfg, err := cfg.Override(func(next *run.Config) error {
		for _, f := range run.Fields() {
			if set(c, f) {
				if err := emptyGiven(c, f, cfg.GetString(f)); err != nil {
					return err
				}
				if err := next.SetValue(f, c.Value(f.Flag)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// A --threads or --tf32 goes where the device does not read it (a
	// recorded one, or an exported variable's); typed now, it is checked
	// (and refused) with the rest, but for --threads under auto, which
	// goes where auto opens a GPU, saying so; so is --config's own.
	threads, _ := run.Lookup("threads")
	if gpu := threadsGoOn(cfg); err == nil && readsRecord(c) && recorded != 0 && !onCommandLine(c, "threads") && !fromEnvironment(c, threads) && gpu != "" {
		sayUnusedOn(fmt.Sprintf("the recorded --threads %d", recorded), false, gpu)
	}
	for _, u := range cfg.FitDevice(func(flag string) bool { return onCommandLine(c, flag) }) {
		sayUnusedOnGPU(u, false)
	}
	tf32, _ := run.Lookup("tf32")
	if err == nil && readsRecord(c) && recordedTF32 && !onCommandLine(c, "tf32") && !fromEnvironment(c, tf32) && !cfg.DeviceReads("tf32") {
		sayTF32UnusedOnCPU("the recorded --tf32")
	}
	return cfg, err
}

// sayTF32UnusedOnCPU says that what, a --tf32 recorded by a GPU run (or
// written in a --config file), goes unused on --device cpu, which computes
// in fp32 only: the mirror of sayUnusedOn's --threads on a GPU. Typed
// beside --device cpu, --tf32 is refused instead.
func sayTF32UnusedOnCPU(what string) {
	fmt.Fprintf(logOut, "%s is for a GPU (TensorFloat-32): --device cpu computes in fp32 only, so it is not used\n", what)
}

// sayUnusedOnGPU says that what ("--threads 3", "the recorded --threads
// 3", "the study file's \"threads\": \"2\""), a CPU setting the user gave,
// goes unused: --device auto opens a GPU (a study's cells' auto, where
// cells is true). The one line for train, bench and study.
func sayUnusedOnGPU(what string, cells bool) { sayUnusedOn(what, cells, "auto") }

// sayUnusedOn is sayUnusedOnGPU's line for the GPU device opens: "auto"
// where auto opens one here, else the cuda device named ("cuda", "cuda:1"),
// which a resume or --config moved a run recorded on the CPU to.
func sayUnusedOn(what string, cells bool, device string) {
	whose := ""
	if cells {
		whose = "the cells' "
	}
	gpu := "--device auto opens a GPU here"
	if device != "auto" {
		gpu = "--device " + device + " is a GPU"
	}
	fmt.Fprintf(logOut, "%s is for the CPU: %s%s, which has no worker threads, so it is not used\n", what, whose, gpu)
}

// threadsGoOn is the --device of cfg that leaves a --threads unused on a
// GPU: "auto" where auto opens one here, cfg's cuda device, or "" where the
// device reads it.
func threadsGoOn(cfg run.Config) string {
	switch {
	case cfg.AutoDrops("threads"):
		return "auto"
	case !cfg.DeviceReads("threads"):
		return cfg.Device.Name
	}
	return ""
}

// hasTableFlag reports whether the command has the table's flag for name.
func hasTableFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		if _, ok := tableFlags.Load(f); ok && hasName(f, name) {
			return true
		}
	}
	return false
}

// hasFlag reports whether the command has a flag called name.
func hasFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		if hasName(f, name) {
			return true
		}
	}
	return false
}

func hasName(f cli.Flag, name string) bool {
	for _, n := range f.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// emptyGiven refuses a text flag given as "" on the command line (an unset
// shell variable, --init-weights "$W"), which reads as not given: the run
// trained from random weights, on the default data (--data-dir), with the
// default loss. --checkpoint "" is the documented way to turn checkpoints
// off; an empty environment variable stays "not set". Beside --config, ""
// clears a recorded setting whose "" means none (run.Field.Clearable: the
// schedule, the initial weights), saying so: the one way to drop it.
func emptyGiven(c *cli.Context, f run.Field, recorded string) error {
	if f.Kind != reflect.String || f.Flag == "checkpoint" || c.String(f.Flag) != "" || !onCommandLine(c, f.Flag) {
		return nil
	}
	if f.Clearable && readsRecord(c) {
		if recorded != "" {
			fmt.Fprintf(logOut, "--%s \"\": clearing the recorded %s\n", f.Flag, recorded)
		}
		return nil
	}
	hint := ""
	if f.Clearable {
		hint = `; beside --config, "" clears the recorded value`
	}
	return &run.ValueError{Flag: f.Flag, Msg: `"" is empty: give a value, or leave the flag out for its default` + hint}
}
