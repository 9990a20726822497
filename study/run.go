package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"mnistgpu/engine"
	"mnistgpu/mnist"
	"mnistgpu/run"
)

// ResultFile is what a finished training run leaves in its folder (written
// last and atomically, so its presence means the cell is complete).
const ResultFile = run.ResultFile

// Result is a finished run's summary.
type Result = run.Result

// LogFile is where a cell's own messages go (its model line, callbacks'
// messages, its summary), appended to by every attempt; the study's output
// shows one line per cell.
const LogFile = "train.log"

// StoppedError is a study stopped on request (Options.Stop): the cells that
// were running saved their states, and running it again continues them.
// Started and Stopped count the cells this process began and those a stop
// ended with their state saved, Left those of its plan it did not reach: a
// stop before any cell began (while the study loaded its data or planned)
// or between two cells saved nothing, and says so. (A stop after the last
// cell ended stopped nothing: Run returns as if none came, as a run whose
// last epoch had ended finishes.)
type StoppedError struct {
	Dir                    string
	Started, Stopped, Left int
}

func (e *StoppedError) Error() string {
	switch {
	case e.Started == 0:
		return fmt.Sprintf("study stopped before any cell started: nothing to save; run the same command again to start it in %s", e.Dir)
	case e.Stopped == 0:
		return fmt.Sprintf("study stopped between cells: none was running, so nothing to save (%s not started); run the same command again to continue it in %s",
			plural(e.Left, "cell"), e.Dir)
	}
	return fmt.Sprintf("study stopped: its running cells saved their state; run the same command again to continue it in %s", e.Dir)
}

// FailedError says how many cells failed; their errors are in their
// folders' failed.txt, and running the study again retries them.
type FailedError struct{ Failed, Of int }

func (e *FailedError) Error() string {
	return fmt.Sprintf("%d of %s failed (each cell's error is in its failed.txt); run the study again to retry them", e.Failed, plural(e.Of, "cell"))
}

// Prepare validates the study and its output folder before anything is
// written: every cell's configuration (see File.Configs), and that dir holds
// no run and no other study. A folder holding the same study with fewer epochs,
// a smaller max-steps or fewer seeds is accepted: its cells are extended,
// the new seeds added.
func Prepare(f File, dir string, base run.Config) ([]Cell, []run.Config, error) {
	cells, cfgs, _, err := prepare(f, dir, base)
	return cells, cfgs, err
}

// prepare is Prepare, also saying how f's file and the folder's study.json
// differ in spelling only (spelledOut).
func prepare(f File, dir string, base run.Config) ([]Cell, []run.Config, recordKept, error) {
	none := recordKept{}
	if dir == "" {
		return nil, nil, none, &SettingError{"--out must name the study folder, got \"\""}
	}
	if err := checkNoRun(dir); err != nil {
		return nil, nil, none, err
	}
	if err := checkNotAStudysOwn(dir); err != nil {
		return nil, nil, none, err
	}
	cells, cfgs, err := f.Configs(base, dir)
	if err != nil {
		if moved := f.startedElsewhere(dir); moved != nil {
			return nil, nil, none, moved // its model file is not in this folder, say
		}
		return nil, nil, none, err
	}
	for i, cfg := range cfgs {
		if err := run.CheckOutputPaths(cfg); err != nil {
			return nil, nil, none, &SettingError{fmt.Sprintf("cell %s: %v", cells[i].Key(f.Axes), err)}
		}
	}
	if err := f.checkInitWeights(cells, cfgs); err != nil {
		return nil, nil, none, err
	}
	raw, err := engine.ReadFile(filepath.Join(dir, "study.json"), "study file", engine.MaxSettingsFile)
	if os.IsNotExist(err) {
		return cells, cfgs, none, nil
	}
	if err != nil {
		return nil, nil, none, err
	}
	old, err := Parse(filepath.Join(dir, "study.json"), raw)
	if err != nil {
		return nil, nil, none, err
	}
	legacy := !old.SetsEpochs()
	if legacy {
		old = old.WithEpochs(cellsEpochs(dir, old)) // an earlier version's record: its cells say
	}
	oldCells, oldCfgs, err := old.Configs(base, dir)
	if se := (*SettingError)(nil); err != nil && !errors.As(err, &se) {
		return nil, nil, none, fmt.Errorf("%s: %w", filepath.Join(dir, "study.json"), err)
	} else if err != nil {
		return nil, nil, none, err // naming the folder's study.json (old.Path)
	}
	if diff := studyDiff(old, f, oldCells, cells, oldCfgs, cfgs); diff != "" {
		return nil, nil, none, &SettingError{fmt.Sprintf("%s holds another study (%s); use another --out, or the same settings", dir, diff)}
	}
	if err := f.startedElsewhere(dir); err != nil {
		return nil, nil, none, err
	}
	rec := spelledOut(old, f, dir, oldCells, cells, oldCfgs, cfgs)
	rec.keep = rec.keep && !legacy // an earlier version's record gets its epochs
	return cells, cfgs, rec, nil
}

// checkInitWeights refuses, before any cell trains, an init-weights file
// that a cell about to start would read and cannot (missing, unreadable,
// another model's tensors), naming the study file's setting, as train
// refuses its --init-weights up front: each cell failed with it in turn
// (exit 1). A cell with a saved state resumes from it and reads no such
// file, so a study whose file is gone since still continues; a complete
// cell trains no more and reads none either (its state may have been
// removed to save space).
func (f File) checkInitWeights(cells []Cell, cfgs []run.Config) error {
	checked := map[run.ModelConfig]bool{}
	for i, cfg := range cfgs {
		if cfg.Model.InitWeights == "" || checked[cfg.Model] {
			continue
		}
		if _, err := os.Stat(filepath.Join(cfg.Output.Dir, run.StateFile)); err == nil || complete(cfg) {
			continue
		}
		checked[cfg.Model] = true
		if err := run.CheckInitWeights(cfg); err != nil {
			return f.refusal(f.cellRefusal(cells[i], err))
		}
	}
	return nil
}

// studyDiff names the first difference between the study in a folder and
// the one asked for, or "" when the new one is the same or only trains
// longer (more epochs, a larger step budget) or adds seeds.
func studyDiff(old, cur File, oldCells, curCells []Cell, oldCfgs, cfgs []run.Config) string {
	curKeys := map[string]int{}
	for i, c := range curCells {
		curKeys[c.Key(cur.Axes)] = i
	}
	if old.Name != cur.Name || !sameAxes(old.Axes, cur.Axes) || !subset(old.Seeds, cur.Seeds) {
		return fmt.Sprintf("study %q of %s, seeds %v there, %q of %s, seeds %v asked for",
			old.Name, plural(len(oldCells), "cell"), old.Seeds, cur.Name, plural(len(curCells), "cell"), cur.Seeds)
	}
	for i, c := range oldCells {
		k := c.Key(old.Axes)
		j, ok := curKeys[k]
		if !ok {
			return fmt.Sprintf("cell %s is not in it", k)
		}
		a, b := oldCfgs[i], cfgs[j]
		if b.Epochs < a.Epochs {
			return fmt.Sprintf("epochs: %d there, %d asked for (a study can be extended, not shortened)", a.Epochs, b.Epochs)
		}
		b.Epochs = a.Epochs
		if budgetLowered(a.MaxSteps, b.MaxSteps) {
			return fmt.Sprintf("max-steps: %s there, %s asked for (a step budget can be raised, not lowered)", stepBudget(a.MaxSteps), stepBudget(b.MaxSteps))
		}
		b.MaxSteps = a.MaxSteps
		b.Device, b.Source = a.Device, a.Source // where it runs, not what it computes
		// As the cells run: a file that spells out a default the other
		// leaves out (Adam's "lr": "0.001") is the same study, as its
		// cells' config.json say (run.SettingsDiffer).
		if d := run.DiffResolved(a, b); len(d) > 0 {
			return d[0] + " (there vs asked for)"
		}
	}
	return ""
}

func sameAxes(a, b []Axis) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || strings.Join(a[i].Values, "\x00") != strings.Join(b[i].Values, "\x00") {
			return false
		}
	}
	return true
}

func subset(a, b []uint64) bool {
	in := map[uint64]bool{}
	for _, x := range b {
		in[x] = true
	}
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}

// Options say how a study runs: which of its cells, how many at once, on
// what, and what it shows. None of them changes what a cell computes.
type Options struct {
	Shard Shard
	// Jobs is the number of cells trained at once on each device (0:
	// DefaultJobs). On the CPU the study's threads (--threads, else
	// GOMAXPROCS) are shared out among them.
	Jobs int
	// Devices are the GPUs (device indices) to spread the cells over, each
	// running Jobs cells; nil: the base configuration's device.
	Devices []int
	// Data is MNIST, loaded once and read by every cell (nil: each cell
	// locates it from its configuration).
	Data *mnist.Set
	// Log receives the study's progress (nil: nothing).
	Log io.Writer
	// Live: Log is a terminal Width columns wide (0: unknown); a status
	// block of the running cells is redrawn below the finished ones.
	Live  bool
	Width int
	// Stop, once closed, stops the running cells at their next step
	// boundary with their states saved, starts no more, and makes Run
	// return a *StoppedError; running the study again continues them.
	Stop <-chan struct{}
	// Trained, if set, is called once every cell this process took has
	// ended with none stopped, or at once when the plan has no cell to
	// train: a stop after it has no step left to stop
	// at, and the study only finishes (results.csv, its shard line), as a
	// run's Trained tells of a run.
	Trained func()
}

// Run trains every cell of the shard that is not complete, Options.Jobs at
// a time (each on its own backend, with its own share of the CPU or on its
// own GPU slot), the costliest first: a complete cell is skipped, an
// interrupted one (or one with fewer epochs than asked for) continues from
// its last epoch, a failed one is tried again. A cell that diverges (NaN) is
// a result and is recorded as such; any other failure is recorded in the
// cell's failed.txt, and Run returns a *FailedError after trying the rest.
// A cell's results do not depend on Jobs or on which other cells run beside
// it.
//
// Run executes the study's Plan (see NewPlan), which checks everything
// before the study folder is written.
func Run(f File, dir string, base run.Config, o Options) error {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	planLock, err := lockPlan(dir, log)
	if err != nil {
		return err
	}
	defer planLock.Unlock()
	plan, err := NewPlan(f, dir, base, o)
	if err != nil {
		return err
	}
	for _, line := range plan.Spelled {
		fmt.Fprintln(log, line)
	}
	if !plan.KeepRecord {
		if err := writeSpec(f, dir); err != nil {
			return err
		}
	}
	kept, err := keepFolder(dir)
	if err != nil {
		return err
	}
	todo := plan.Todo
	if len(todo) == 0 {
		fmt.Fprintln(log, plan.head()+": nothing to do")
		if o.Trained != nil {
			o.Trained() // no cell to train: a stop has nothing to stop
		}
		return writeResultsCSV(dir, log) // under the plan's lock
	}
	fmt.Fprintf(log, "%s; %s, %s\n", plan.head(), plan.toRun(), plan.Slots.says)
	disp := newDisplay(log, o.Live, o.Width, len(plan.Cells), len(plan.Cells)-len(todo), len(todo), nil)
	for _, i := range todo {
		c := plan.Cells[i]
		disp.plan(max(0, c.Config.Epochs-c.Start), c.Cost)
	}
	// Planned: other processes of this study may plan now, and take the
	// cells this one has not locked.
	planLock.Unlock()
	start := time.Now()
	queue := make(chan int)
	var (
		mu     sync.Mutex
		failed int
		// cells begun here, and those a stop ended (StoppedError)
		started, stoppedCells int
		// cells held by another process, and finished by one since this
		// process planned
		skipped, doneElsewhere int
		// cells of todo a slot is done with (doneWith)
		handled int
		fatal   error
		wg      sync.WaitGroup
	)
	// doneWith counts a cell a slot is done with, mu held; once every
	// cell of todo is, with none stopped and no fatal error, no step is
	// left to stop at (o.Trained).
	doneWith := func() {
		handled++
		if handled == len(todo) && stoppedCells == 0 && fatal == nil && o.Trained != nil {
			o.Trained()
		}
	}
	for _, s := range plan.Slots.slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				c := plan.Cells[i]
				cfg := c.Config
				s.apply(&cfg)
				if err := kept.gone(); err != nil {
					mu.Lock()
					if fatal == nil {
						fatal = err
					}
					mu.Unlock()
					continue
				}
				lock, why, done, err := claimCell(cfg)
				if why != "" {
					disp.elsewhere(c.Key, c.Start, cfg.Epochs, c.Cost, done, why)
					mu.Lock()
					if done {
						doneElsewhere++
					} else {
						skipped++
					}
					doneWith()
					mu.Unlock()
					continue
				}
				cp := disp.begin(c.Key, c.Index, c.Start, cfg.Epochs, c.Cost)
				var r *Result
				if err == nil {
					mu.Lock()
					started++
					mu.Unlock()
					r, err = trainCell(cfg, o.Data, cp, o.Stop, lock)
				}
				var div *run.DivergedError
				var stopped *run.StoppedError
				diverged := errors.As(err, &div)
				werr := kept.gone()
				switch {
				case werr != nil: // no failed.txt in a folder made again
				case err == nil, errors.As(err, &stopped):
				case diverged:
					werr = writeDiverged(cfg.Output.Dir, div)
				default:
					werr = writeFailure(cfg.Output.Dir, err)
				}
				lock.Unlock()
				disp.end(cp, r, err, diverged)
				mu.Lock()
				if err != nil && !diverged && stopped == nil {
					failed++
				}
				if stopped != nil {
					stoppedCells++
				}
				if werr != nil && fatal == nil {
					fatal = werr
				}
				doneWith()
				mu.Unlock()
			}
		}()
	}
	fed := 0 // cells of todo handed to a slot
feed:
	for _, i := range todo {
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop {
			break
		}
		select {
		case <-o.Stop: // a stop already made starts no cell (select alone picks at random)
			break feed
		default:
		}
		select {
		case queue <- i:
			fed++
		case <-o.Stop:
			break feed
		}
	}
	close(queue)
	wg.Wait()
	disp.close()
	if fatal != nil {
		return fatal
	}
	if err := WriteResultsCSV(dir, log); err != nil {
		return err
	}
	select {
	case <-o.Stop:
		if stoppedCells > 0 || fed < len(todo) {
			return &StoppedError{Dir: dir, Started: started, Stopped: stoppedCells, Left: len(todo) - fed}
		}
		// Every cell had ended: the study is done (a job script that
		// sent the stop must not requeue it).
	default:
	}
	held := ""
	if skipped > 0 {
		held = fmt.Sprintf(", %d left to the processes training them", skipped)
	}
	fmt.Fprintf(log, "shard %d/%d: %s, %d run now%s, %d failed, in %s\n", o.Shard.K, o.Shard.N, plural(len(plan.Cells), "cell"), len(todo)-skipped-doneElsewhere, held, failed, roundDuration(time.Since(start)))
	if failed > 0 {
		return &FailedError{Failed: failed, Of: len(plan.Cells)}
	}
	return nil
}

// writeSpec writes the study into its folder: what a rerun compares with,
// and what merge and report read.
func writeSpec(f File, dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	// A study without axes or fixed settings is written with empty ones:
	// Parse refuses a null, and the folder is read back by every rerun,
	// merge and report.
	if f.Axes == nil {
		f.Axes = []Axis{}
	}
	if f.Fixed == nil {
		f.Fixed = map[string]string{}
	}
	spec, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(dir, "study.json"), func(w io.Writer) error { _, err := w.Write(spec); return err })
}

// resolveAuto returns the device the cells run on: their common device, with
// "auto" resolved once (said on log) rather than by every cell.
func resolveAuto(cfgs []run.Config, log io.Writer) (run.DeviceConfig, error) {
	if len(cfgs) == 0 {
		return run.DeviceConfig{Name: "cpu"}, nil
	}
	dev := cfgs[0].Device
	resolved, err := engine.ResolveDevice(dev.Name)
	if err != nil || resolved == dev.Name {
		return dev, err
	}
	fmt.Fprintf(log, "device auto: using %s\n", resolved)
	for i := range cfgs {
		if cfgs[i].Device.Name == dev.Name {
			cfgs[i].Device.Name = resolved
		}
	}
	dev.Name = resolved
	return dev, nil
}

// cellCost is what one epoch of a cell of cfg, whose model is m, costs, in
// training FLOPs: per image times the images of an epoch. It weighs the
// cells' epochs in the time estimate and orders the cells.
func cellCost(cfg run.Config, m *engine.Model, data *mnist.Set) float64 {
	_, per := m.FLOPs()
	images := mnist.TrainImages
	if data != nil {
		images = data.Train.Len()
	}
	if cfg.Data.TrainLimit > 0 {
		images = min(images, cfg.Data.TrainLimit)
	}
	return max(per, 1) * float64(images)
}

// epochsDone is the number of whole epochs an interrupted cell has trained
// (0 for a new one): its state's (run.SavedEpochs), else its history's
// length.
func epochsDone(dir string) int {
	if n, ok := run.SavedEpochs(dir); ok {
		return n
	}
	fh, err := engine.OpenFile(filepath.Join(dir, "history.json"), "history file", engine.MaxRecordFile)
	if err != nil {
		return 0
	}
	defer fh.Close()
	h, err := engine.ReadHistoryJSON("history.json", fh)
	if err != nil {
		return 0
	}
	return len(h.Logs)
}

// PanicError is a cell whose training panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v\n%s", e.Value, e.Stack) }

// trainCell trains one cell to cfg.Epochs: a new run, or the continuation
// of the interrupted one in its folder (its recorded settings, with the
// epochs and the device and data-location settings of cfg). Its messages
// go to its LogFile; its progress to p; lock is its folder's, checked
// before each save.
func trainCell(cfg run.Config, data *mnist.Set, p *cellProgress, stop <-chan struct{}, lock *run.Lock) (r *Result, err error) {
	// A panic (a backend's misuse check, a failed driver call) fails this
	// cell, with its stack in failed.txt, and not the cells beside it.
	defer func() {
		if x := recover(); x != nil {
			r, err = nil, &PanicError{Value: x, Stack: debug.Stack()}
		}
	}()
	dir := cfg.Output.Dir
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, FailureFile)) // tried again
	logf, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	// Recorded: Prepare validated the cell, as the study folder's record
	// where it had one (File.Configs).
	opts := run.Options{Log: logf, Out: logf, Data: data, Overwrite: true, Progress: p.forDevice, Stop: stop, Lock: lock, Recorded: true}
	if _, err := os.Stat(filepath.Join(dir, run.StateFile)); err == nil {
		// The cell's epochs, device and data location are this run's.
		stored, ck, err := run.Resume(dir, cfg.ResumeSettings())
		if err != nil {
			return nil, err
		}
		if d := run.SettingsDiffer(stored, cfg); len(d) > 0 {
			return nil, &ForeignCellError{Dir: dir, Differences: d}
		}
		cfg, opts.Resume = stored, ck
		p.finishes = run.Trained(stored, ck)
		if _, err := readCell(dir); p.finishes && err == nil { // its result stands: the study asks for more epochs
			why, _ := finishing(cfg)
			fmt.Fprintf(logf, "%s: no step to train; evaluating its final weights and writing its result again\n", why)
		} else if p.finishes && ck.EpochStep == 0 && ck.NextEpoch >= cfg.Epochs {
			fmt.Fprintf(logf, "all %d epochs were trained, but the run stopped before writing its result; finishing it\n", ck.NextEpoch)
		} else if p.finishes { // the step budget or early stopping ended it before its last epoch, at an epoch's end or within one
			why, _ := finishing(cfg)
			fmt.Fprintf(logf, "%s, but the run stopped before writing its result; finishing it\n", why)
		} else {
			fmt.Fprintf(logf, "resuming after epoch %d", ck.NextEpoch)
			if ck.EpochStep > 0 {
				fmt.Fprintf(logf, " and step %d of epoch %d", ck.EpochStep, ck.NextEpoch+1)
			}
			fmt.Fprintln(logf)
		}
	}
	if opts.Backend, err = openBackend(cfg, logf); err != nil {
		return nil, err
	}
	defer engine.Close(opts.Backend)
	r, err = run.Train(cfg, opts)
	var other *run.OtherFilesError
	if errors.As(err, &other) {
		other.Cell = true // said as the study's cell, not as flags its user never gave
	}
	return r, err
}

// complete reports whether the cell of cfg finished (or diverged) with at
// least cfg.Epochs planned, as a run of cfg (readCell: the result of its
// saved state): a folder whose config.json
// records other settings (a run trained there by hand) is not the cell's,
// and is left to trainCell to refuse.
func complete(cfg run.Config) bool {
	dir := cfg.Output.Dir
	c, err := readCell(dir) // a result.json older than the cell's state is none: trainCell continues it
	if err != nil {
		return false
	}
	if recorded, err := run.ReadConfigFile(filepath.Join(dir, run.ConfigFile)); err == nil && len(run.SettingsDiffer(recorded, cfg)) > 0 {
		return false
	}
	return c.Failed || c.Result.Planned >= cfg.Epochs && !budgetRaised(c.Result, cfg.MaxSteps)
}

// ForeignCellError is a cell folder holding a run of other settings than
// the cell's: trained there by hand, or by another study.
type ForeignCellError struct {
	Dir         string
	Differences []string
}

func (e *ForeignCellError) Error() string {
	return fmt.Sprintf("%s holds a run of other settings than this cell's (%s), which this study did not train; "+
		"move it away (or remove it) and run the study again to train the cell", e.Dir, strings.Join(e.Differences, "; "))
}

// FailureFile holds the error of a cell's last failed attempt.
const FailureFile = "failed.txt"

func writeFailure(dir string, cause error) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, cause.Error()+"\n"); return err }
	return engine.WriteFileAtomic(filepath.Join(dir, FailureFile), write)
}

// writeDiverged records a diverged cell as complete: its history up to the
// failure is kept, and the report counts it as diverged.
func writeDiverged(dir string, cause error) error {
	if err := writeFailure(dir, cause); err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(dir, ResultFile), func(w io.Writer) error {
		_, err := io.WriteString(w, `{"failed": true, "diverged": true}`+"\n")
		return err
	})
}
