package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
	"mnistgpu/study"
)

// studyFlagsAgree refuses a flag of `study run` that the study file sets
// otherwise: the file's value was applied over the flag's (`--threads 1`
// trained every cell with the file's "threads": "2", `--data-dir` was
// recorded as the file's folder), and `--epochs` was ignored where the
// file varies the epochs. A flag that agrees with the file is accepted, and
// `--epochs` over the file's fixed epochs is the documented extension.
// Paths compare as a run records them (absolute and clean).
//
// Only the command line counts: an environment variable is a default,
// which the study file's setting overrides (MNISTGPU_TF32=1 exported
// refused every study with a tf32 axis, TestTF32IsPerRun).
func studyFlagsAgree(c *cli.Context, f study.File, base run.Config) error {
	for _, fd := range run.Fields() {
		if !hasTableFlag(c, fd.Flag) || !onCommandLine(c, fd.Flag) {
			continue
		}
		name, fixed, axis, ok := f.Setting(fd)
		switch {
		case !ok:
		case axis:
			return usageError("--%s %s: the study file varies it (axis %q); leave the flag out", fd.Flag, base.GetString(fd), name)
		case fd.Flag == "epochs":
		default:
			filed := base
			if filed.SetField(fd, fixed) == nil && !run.SameValue(fd, filed, base) {
				return usageError("--%s %s contradicts the study file's fixed %q: %q; give it in one place", fd.Flag, base.GetString(fd), name, fixed)
			}
		}
	}
	return nil
}

// deviceFlagsReach refuses a typed --threads or --tf32 that a cell's
// device does not read (the study file's "device": "cuda" and --threads
// 3): the cell would go without it. An exported MNISTGPU_THREADS or
// MNISTGPU_TF32 is a default, which such a cell goes without
// (study.File.Configs); so is a typed --threads where a cell's auto opens
// a GPU, which it says.
func deviceFlagsReach(c *cli.Context, base run.Config, cfgs []run.Config) error {
	for _, flag := range []string{"threads", "tf32"} {
		if !hasTableFlag(c, flag) || !onCommandLine(c, flag) {
			continue
		}
		fd, _ := run.Lookup(flag)
		said := false
		for _, cfg := range cfgs {
			if !cfg.DeviceReads(flag) {
				return usageError("--%s %s: the study's cells run on --device %s, which does not read it; leave the flag out", flag, base.GetString(fd), cfg.Device.Name)
			}
			if !said && !run.SameValue(fd, cfg, base) {
				sayUnusedOnGPU(fmt.Sprintf("--%s %s", flag, base.GetString(fd)), true)
				said = true
			}
		}
	}
	return nil
}

// fileThreadsUnused says, once for the study, that the study file's own
// "threads" goes unused in the cells whose --device auto opens a GPU here
// (study.File.Configs clears it there), as deviceFlagsReach says it of a
// typed --threads; typed too (agreeing with the file: studyFlagsAgree),
// it is said there alone. (A "threads" axis is refused: Validate.)
func fileThreadsUnused(c *cli.Context, f study.File, cfgs []run.Config) {
	fd, _ := run.Lookup("threads")
	name, fixed, axis, ok := f.Setting(fd)
	if !ok || axis || onCommandLine(c, "threads") {
		return
	}
	for _, cfg := range cfgs {
		filed := cfg
		if cfg.AutoDrops("threads") && filed.SetField(fd, fixed) == nil && filed.Device.Threads != 0 {
			sayUnusedOnGPU(fmt.Sprintf("the study file's %q: %q", name, fixed), true)
			return
		}
	}
}

// studyEnvUnused says, one line each, which exported variables of train's
// settings `study run` has no flag for (MNISTGPU_MODEL, MNISTGPU_BATCH_SIZE,
// MNISTGPU_SEED, MNISTGPU_OUT) go unused: a study's cells take their
// settings from the study file, and train's defaults where it leaves one
// out. With MNISTGPU_BATCH_SIZE=32 exported for train, a study whose file
// left the batch size out trained every cell at 64 without a word. A
// variable of a setting the file gives is overridden by it, as a run's
// record overrides one (said nowhere, as for train --config).
func studyEnvUnused(c *cli.Context, f study.File) {
	for _, fd := range run.Fields() {
		v, exported := os.LookupEnv(fd.Env)
		if fd.Env == "" || !exported || v == "" || hasTableFlag(c, fd.Flag) {
			continue
		}
		var why string
		switch {
		case fd.Flag == "out":
			if onCommandLine(c, "out") {
				continue
			}
			why = fmt.Sprintf("the study's folder is study run's --out (%s)", c.String("out"))
		case fd.Flag == "seed":
			why = `a study's seeds come from its "seeds" list or --seeds`
		default:
			if _, _, _, inFile := f.Setting(fd); inFile {
				continue
			}
			def := run.Default()
			why = fmt.Sprintf("a study's cells take %q from the study file, and train's default (%s) where it leaves it out", fd.Flag, def.GetString(fd))
		}
		fmt.Fprintf(logOut, "%s=%s is not used by study run: %s\n", fd.Env, v, why)
	}
}
