package main

import (
	"fmt"

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
