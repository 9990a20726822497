package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"mnistgpu/engine"
	"mnistgpu/run"
	"mnistgpu/study"
)

func trainCommand() *cli.Command {
	flags := append(configFlags(allGroups, nil, nil),
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "one line per epoch, no progress bar (also when stderr is not a terminal)"},
		&cli.StringFlag{Name: "config", Usage: "run the settings of this file (a run's config.json) again; flags given beside it override them by name"},
		&cli.StringFlag{Name: "resume", Usage: "continue the run in this folder from its last saved state (an epoch's end, a stop by SIGINT/SIGTERM/SIGHUP/SIGUSR1/SIGUSR2 or --save-every-steps), with its recorded settings (--epochs N extends it to N epochs, a larger --max-steps raises its step budget; device and data-location flags, --save-every-steps, --quiet and --log-format may change; other flags must match)"},
		&cli.BoolFlag{Name: "overwrite", Usage: "replace the run already in --out (its checkpoints, state, history and weights)"},
		logFormatFlag("the progress bar becomes one line per epoch"),
	)
	return &cli.Command{
		Name:   "train",
		Usage:  "train a model (default: the report's CNN with Adam, batch 64, validation_split 0.2)",
		Flags:  flags,
		Before: openLog,
		Action: runTrain,
	}
}

func runTrain(c *cli.Context) error {
	defer flushLog()
	stop := watchSignals("run")
	defer stop.release()
	bar := newBar(logOut, c.Bool("quiet") || !term.IsTerminal(int(os.Stderr.Fd())) || jsonLog())
	opts := run.Options{Log: logOut, Out: os.Stdout, Overwrite: c.Bool("overwrite"), Stop: stop.C, Trained: stop.trainingEnded,
		Progress: func(t engine.Traits, batch int) engine.Progress { return bar.forDevice(t, batch) }}
	var cfg run.Config
	var err error
	dir, file := c.String("resume"), c.String("config")
	// Empty (an unset shell variable) is not "not given": a new run with
	// the defaults trained instead, for --resume into runs/latest.
	for name, what := range map[string]string{"resume": "the folder of the run to continue", "config": "the run's config.json to run again"} {
		if c.IsSet(name) && c.String(name) == "" {
			return usageError("--%s %q: give %s", name, "", what)
		}
	}
	switch {
	case dir != "" && file != "":
		return usageError("--config %s with --resume %s: a resumed run keeps its recorded settings; give one of them", file, dir)
	case dir != "" && opts.Overwrite:
		return usageError("--overwrite with --resume %s: a resume continues that run, it replaces nothing; leave --overwrite out, or leave --resume out to start the run again", dir)
	case dir != "":
		// The folder is locked before its state is read.
		lock, err := lockRunFolder("resume", dir)
		if err != nil {
			return err
		}
		defer lock.Unlock()
		opts.Lock = lock
		if cfg, opts.Resume, err = resumeConfig(c, dir); err != nil {
			return cliError(err)
		}
		// A folder given now is read as given; the recorded one alone, gone,
		// is looked for elsewhere.
		_, opts.DataDirGiven = givenFlags(c)["data-dir"]
	default:
		if file != "" {
			opts.ConfigFile = file
			if cfg, err = run.ReadConfigToRun(file); err == nil {
				cfg, err = bindOnto(c, cfg, overridesRecord)
			}
			if err == nil {
				err = run.CheckConfigWeightsPath(file, cfg, onCommandLine(c, "save-weights"))
			}
			if err == nil {
				err = run.CheckConfigNetwork(file, cfg, onCommandLine(c, "model") || onCommandLine(c, "activation"))
			}
		} else {
			cfg, err = bindConfig(c)
		}
		if err != nil {
			return cliError(err)
		}
		if err := notAStudysCell(cfg.Output.Dir); err != nil {
			return err
		}
		// Settings are refused before the folder is created or locked.
		if err := cfg.Validate(); err != nil {
			return cliError(err)
		}
		if err := run.CheckOutputPaths(cfg); err != nil {
			return cliError(err)
		}
		lock, err := lockRunFolder("out", cfg.Output.Dir)
		if err != nil {
			return err
		}
		defer lock.Unlock()
		opts.Lock = lock
	}
	_, err = run.Train(cfg, opts)
	bar.interrupt()
	return stop.exit(err, cliError)
}

// resumeConfig is the recorded configuration of the run in dir with the
// flags given now applied (those a resume may change) or checked.
func resumeConfig(c *cli.Context, dir string) (run.Config, *engine.TrainCheckpoint, error) {
	given := givenFlags(c)
	if out, ok := given["out"]; ok && !sameFolder(out, dir) {
		return run.Config{}, nil, usageError("--out %s with --resume %s: a resumed run stays in its folder", out, dir)
	}
	delete(given, "out")
	// An exported MNISTGPU_THREADS or MNISTGPU_TF32 is a default for the
	// device that reads it: applied once the run's device is known.
	deviceDefaults := map[string]string{}
	for _, flag := range []string{"threads", "tf32"} {
		if v, ok := given[flag]; ok && !onCommandLine(c, flag) {
			deviceDefaults[flag] = v
			delete(given, flag)
		}
	}
	cfg, ck, err := run.Resume(dir, given)
	if err != nil {
		return cfg, nil, err
	}
	if err := studyCellPlanned(dir, cfg, given); err != nil {
		return cfg, nil, err
	}
	for flag, v := range deviceDefaults {
		if cfg.DeviceReads(flag) {
			if err := run.ApplyOnResume(&cfg, map[string]string{flag: v}); err != nil {
				return cfg, nil, err
			}
		}
	}
	// Where --device auto opens a GPU, a --threads typed now or recorded
	// by the run goes (Resume), which is said; so does a recorded one where
	// --device cuda moves the run to a GPU (typed there, it is refused); an
	// exported one is a default.
	_, exported := deviceDefaults["threads"]
	gpu := threadsGoOn(cfg)
	switch {
	case gpu == "", exported:
	case onCommandLine(c, "threads"):
		if t := c.Int("threads"); t != 0 {
			sayUnusedOn(fmt.Sprintf("--threads %d", t), false, gpu)
		}
	default:
		if r := run.RecordedUnused(cfg, ck); r != "" {
			sayUnusedOn("the recorded "+r, false, gpu)
		}
	}
	// A --tf32 the run recorded on a GPU goes where --device cpu moves it
	// (typed there, it is refused): said, as --threads is; an exported one
	// is a default.
	if _, exported := deviceDefaults["tf32"]; !exported && !onCommandLine(c, "tf32") && run.RecordedTF32Unused(cfg, ck) {
		sayTF32UnusedOnCPU("the recorded --tf32")
	}
	if err := run.CheckResume(cfg, ck); err != nil {
		var fe *run.FinishedError
		if plan, ok := study.CellPlanOf(dir); ok && errors.As(err, &fe) {
			// Its --epochs and --max-steps are the study's (studyCellPlanned).
			fe.Hint = fmt.Sprintf("it is a cell of the study in %s: to train it longer, change the study file and `study run` it", plan.Study)
			if plan.Epochs > cfg.Epochs {
				// Behind the study's plan (a shard extended the study):
				// the study file already says so.
				fe.Hint = fmt.Sprintf("it is a cell of the study in %s, which trains its cells to %d epochs: `study run` the study, or pass --epochs %d, to continue it", plan.Study, plan.Epochs, plan.Epochs)
			}
		}
		return cfg, nil, err
	}
	// --no-verify is a data-location setting a resume keeps, as it keeps
	// the folder: said, so that a run resumed without it is known to read
	// its data unverified.
	kept := ""
	if cfg.Source.NoVerify && !onCommandLine(c, "no-verify") {
		kept = "; it keeps the recorded --no-verify: its data is not checked against MNIST's checksums"
	}
	switch {
	case run.Trained(cfg, ck):
		fmt.Fprintln(logOut, run.Finishing(cfg, ck)+kept)
	default:
		at := ""
		if ck.EpochStep > 0 {
			at = fmt.Sprintf(", after its step %d", ck.EpochStep)
		}
		rate := fmt.Sprintf("learning rate %g", run.ResumeRate(cfg, ck))
		if lr := cfg.Resolved().Optimizer.LR; lr != nil && *lr != run.ResumeRate(cfg, ck) {
			rate += fmt.Sprintf(" (configured %g)", *lr)
		}
		fmt.Fprintf(logOut, "resuming %s at epoch %d of %d%s (step %d), %s%s\n", dir, ck.NextEpoch+1, cfg.Epochs, at, ck.Step, rate, kept)
	}
	return cfg, ck, nil
}

// notAStudysCell refuses a new run whose --out is a folder in a study's
// cells/: a cell is one of the study's runs, made by `study run` with the
// study's settings. A run of other settings there was refused as holding a
// run, but with --overwrite it replaced the study's cell, which `study
// report` then compared with the others as the study's.
func notAStudysCell(dir string) error {
	s := study.CellFolderOf(dir)
	if s == "" {
		return nil
	}
	how := "`study run` the study to train its cells"
	if _, err := os.Stat(filepath.Join(dir, run.StateFile)); err == nil {
		how = fmt.Sprintf("`train --resume %s` continues the cell within the study's plan", dir)
	}
	return usageError("--out %s: a cell folder of the study in %s (study.json), whose cells are made by `study run` with the study's settings; "+
		"a run trained there would be reported as the study's cell: use another --out (%s)", dir, s, how)
}

// studyCellPlanned refuses --epochs or --max-steps that take a study's
// cell past the study's plan: the cell then held more epochs than its
// study.json says, and `study report` put it beside the others as the
// study's setting ("up to 4 epochs each"), while `study run` took it for
// complete. A study is trained longer as a whole, by its study file.
func studyCellPlanned(dir string, cfg run.Config, given map[string]string) error {
	plan, ok := study.CellPlanOf(dir)
	if !ok {
		return nil
	}
	record := filepath.Join(plan.Study, "study.json")
	if _, typed := given["epochs"]; typed && plan.Epochs > 0 && cfg.Epochs > plan.Epochs {
		return usageError("--epochs %d: %s is a cell of the study in %s, which trains its cells %s (%s); "+
			"a cell trained longer would be reported beside the others as the study's: to train the study longer, "+
			"raise its \"epochs\" in the study file and `study run` it (or `study run --epochs %d`)",
			cfg.Epochs, dir, plan.Study, run.Plural(plan.Epochs, "epoch"), record, cfg.Epochs)
	}
	if _, typed := given["max-steps"]; typed && cfg.MaxSteps != plan.MaxSteps {
		budget := fmt.Sprintf("--max-steps %d", plan.MaxSteps)
		if plan.MaxSteps == 0 {
			budget = "no step budget"
		}
		return usageError("--max-steps %d: %s is a cell of the study in %s, which trains its cells with %s (%s); "+
			"a cell trained to another budget would be reported beside the others as the study's: "+
			"change \"max-steps\" in the study file and `study run` it",
			cfg.MaxSteps, dir, plan.Study, budget, record)
	}
	return nil
}

// cliError gives each kind of failure its exit code: 2 for a bad setting
// or an output folder in use (holding a run, or locked by a writer), 0 for
// a finished run with nothing to do.
func cliError(err error) error {
	var (
		ve  *run.ValueError
		ue  *run.UnknownError
		oe  *run.OutputInUseError
		of  *run.OtherFilesError
		le  *run.LockedError
		re  *run.ResumeChangeError
		dm  *run.DataMismatchError
		fe  *run.FinishedError
		ec  cli.ExitCoder
		div *run.DivergedError
		cs  *run.CorruptStateError
		fl  *run.ForeignLockFileError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ec):
		return err
	case errors.As(err, &fe):
		fmt.Fprintln(logOut, fe.Error())
		return nil
	case errors.As(err, &ve), errors.As(err, &ue), errors.As(err, &oe), errors.As(err, &of), errors.As(err, &re), errors.As(err, &dm), errors.As(err, &le), errors.As(err, &cs), errors.As(err, &fl):
		return settingRefused(err)
	case errors.As(err, &div):
		return cli.Exit("mnistgpu: "+div.Error(), 1)
	}
	return err
}

// sameFolder reports whether a and b name one folder however spelled
// (runs/a/, ./runs/a, an absolute path, a path through a link to it):
// --out runs/a with --resume runs/a/ was refused as another folder.
func sameFolder(a, b string) bool {
	return run.SamePath(a, b)
}
