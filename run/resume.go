package run

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"sort"
	"strings"

	"mnistgpu/engine"
)

// LoadResume reads the state of the run in dir and the Config it was
// trained with (its output folder set to dir, wherever it was before),
// validated as a new one is.
func LoadResume(dir string) (Config, *engine.TrainCheckpoint, error) {
	path := filepath.Join(dir, StateFile)
	if err := noState(dir); err != nil {
		return Config{}, nil, err
	}
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		return Config{}, nil, unreadableState(path, err)
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return Config{}, nil, fmt.Errorf("%s: the run's settings: %w", path, err)
	}
	cfg.Output.Dir = dir
	// A setting its device never read (--tf32 on the CPU, accepted by
	// earlier versions) is not part of the run.
	cfg.FitDevice(func(string) bool { return false })
	if err := checkStored(path, cfg); err != nil {
		return Config{}, nil, err
	}
	return cfg, ck, nil
}

// decodeConfig reads a stored Config (see decodeStored).
func decodeConfig(raw []byte) (Config, error) {
	s, err := decodeStored(raw)
	return s.Config, err
}

// decodeLegacy reads the settings of a state file of an early version:
// {"args": ["--lr=0.01", ...], "epochs": N}, read through the same table.
func decodeLegacy(raw []byte) (Config, error) {
	var legacy struct {
		Args   []string `json:"args"`
		Epochs int      `json:"epochs"`
	}
	if err := json.Unmarshal(raw, &legacy); err != nil {
		return Config{}, err
	}
	cfg := Default()
	for _, a := range legacy.Args {
		name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !ok {
			return Config{}, fmt.Errorf("recorded argument %q is not --name=value", a)
		}
		if err := cfg.Set(name, value); err != nil {
			return Config{}, err
		}
	}
	cfg.Epochs = legacy.Epochs
	if cfg.Data.Split == engine.SplitStratified {
		cfg.Data.SplitRule = SplitRuleClassCeiling // recorded before the rule was
	}
	return cfg, nil
}

// Resume is LoadResume with the settings given now (flag name → value as
// text) applied as ApplyOnResume says.
func Resume(dir string, given map[string]string) (Config, *engine.TrainCheckpoint, error) {
	cfg, ck, err := LoadResume(dir)
	if err != nil {
		return cfg, nil, err
	}
	if err := ApplyOnResume(&cfg, given); err != nil {
		return cfg, nil, err
	}
	if err := checkStoredWeightsPath(filepath.Join(dir, StateFile), cfg, given); err != nil {
		return cfg, nil, err
	}
	// Refused here, as Train would, before the caller says it resumes.
	if err := cfg.ValidateRecorded(); err != nil {
		return cfg, nil, err
	}
	return cfg, ck, nil
}

// SettingsDiffer lists the settings in which a run recorded as stored is
// not a run of want (as "flag: recorded vs wanted"), leaving out those a
// resume may change and the output location: a folder holding a run of
// other settings is not that run, whatever its name says. A path recorded
// through a link to the file want names is that file (SamePath).
func SettingsDiffer(stored, want Config) []string {
	b := want.Resolved().withAbsolutePaths()
	a := stored.Resolved().withAbsolutePaths().spelledAs(b)
	var out []string
	for _, f := range fields {
		if f.ResumeOK || !f.StudyOK {
			continue
		}
		if x, y := a.GetString(f), b.GetString(f); x != y {
			out = append(out, fmt.Sprintf("%s: %s vs %s", f.Flag, quoteEmpty(x), quoteEmpty(y)))
		}
	}
	return out
}

// ResumeSettings are c's settings that a resume may change (those tagged
// resume:"ok": the epochs, the device and where the data is), as text for
// Resume.
func (c Config) ResumeSettings() map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if f.ResumeOK {
			out[f.Flag] = c.GetString(f)
		}
	}
	return out
}

// ResumeChangeError is a setting given with --resume that a resumed run
// cannot take.
type ResumeChangeError struct {
	Flag, Given, Recorded, Dir string
}

func (e *ResumeChangeError) Error() string {
	var ok []string
	for _, f := range fields {
		if f.ResumeOK {
			ok = append(ok, "--"+f.Flag)
		}
	}
	return fmt.Sprintf("--%s %s: %s was trained with %s, and a resumed run keeps its settings "+
		"(it may change %s); start a new run with another --out to train with a different one",
		e.Flag, quoteEmpty(e.Given), e.Dir, quoteEmpty(e.Recorded), strings.Join(ok, ", "))
}

// ApplyOnResume applies settings given again when resuming (flag name →
// value as text): those tagged resume:"ok" replace the recorded ones; any
// other must equal its recorded value.
func ApplyOnResume(cfg *Config, given map[string]string) error {
	names := make([]string, 0, len(given))
	for n := range given {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := lookupOrSuggest(n)
		if err != nil {
			return err
		}
		probe := *cfg
		if err := probe.SetField(f, given[n]); err != nil {
			return err
		}
		if f.ResumeOK {
			*cfg = probe
			continue
		}
		if !SameValue(f, probe, *cfg) {
			rec := cfg.GetString(f)
			if f.Default != "" && cfg.value(f).IsZero() {
				rec = "the default (" + f.Default + ")"
			}
			return &ResumeChangeError{Flag: f.Flag, Given: given[n], Recorded: rec, Dir: cfg.Output.Dir}
		}
	}
	// Resumed on another device: its recorded settings for the first one go.
	cfg.FitDevice(func(flag string) bool { _, ok := given[flag]; return ok })
	return nil
}

// FinishedError says a resumed run has nothing left to do.
type FinishedError struct {
	Dir            string
	Done, Planned  int
	StoppedEarlier bool
	// MaxSteps is the step budget given now, which the run's steps have
	// spent (0: none), and EpochStep the step of epoch Done its budget
	// ended it at when that was within the epoch (0: at its end).
	MaxSteps, EpochStep int
	// ByBudget: the budget ended the run before its epochs (its result
	// says "max_steps"), not its last epoch or early stopping.
	ByBudget bool
	// Hint, when set, replaces the advice on how to continue the run: a
	// study's cell is trained longer by its study, not by --epochs.
	Hint string
}

func (e *FinishedError) Error() string {
	extend := "pass --epochs N to extend"
	if e.StoppedEarlier {
		// Extended beyond its plan, as Keras's fit called again.
		extend = fmt.Sprintf("pass --epochs %d or more to extend", e.Planned+1)
	}
	if e.MaxSteps > 0 {
		// A budget given now and spent: more epochs are refused without a
		// larger one.
		extend = fmt.Sprintf("pass --epochs N and a --max-steps above %d to extend", e.MaxSteps)
	}
	more := "pass a larger --max-steps to continue it"
	if e.Hint != "" {
		extend, more = e.Hint, e.Hint
	}
	switch {
	case e.ByBudget && e.EpochStep > 0:
		return fmt.Sprintf("nothing to do: %s stopped in epoch %d of %d, after its step %d, at its step budget (--max-steps %d); %s",
			e.Dir, e.Done, e.Planned, e.EpochStep, e.MaxSteps, more)
	case e.ByBudget:
		return fmt.Sprintf("nothing to do: %s stopped after %d of %s at its step budget (--max-steps %d); %s",
			e.Dir, e.Done, Plural(e.Planned, "epoch"), e.MaxSteps, more)
	case e.StoppedEarlier:
		return fmt.Sprintf("nothing to do: %s finished after %d of %s (stopped early); %s", e.Dir, e.Done, Plural(e.Planned, "epoch"), extend)
	}
	// Done is Planned here: "finished its 1 epoch", not "1 of 1 epochs".
	return fmt.Sprintf("nothing to do: %s finished its %s; %s", e.Dir, Plural(e.Done, "epoch"), extend)
}

// CheckResume says whether the run in dir, resumed with cfg, has anything
// left to do, before anything is loaded: a *ValueError when cfg asks for
// what the run cannot do (fewer epochs or steps than it trained, more
// epochs with its step budget spent, or, of a run early stopping ended,
// more epochs than it trained but no more than it planned); a *FinishedError when it wrote the
// result of this state (resultOf) and cfg
// plans no more than it ran: no more epochs than it planned when early
// stopping ended it sooner, the same step budget when --max-steps did. A
// run whose epochs all ran but which stopped before its result is not
// finished: Train saves and evaluates it.
//
// --max-steps is a budget of optimizer steps over the whole run, as
// TensorFlow's Estimator max_steps: a resume with a larger one continues
// the run from the step the budget stopped it at, within the epoch it cut
// short, bit for bit as a run given the larger budget from the start (the
// cut epoch, in no history file until it ends: cutepoch.go). A state
// saved at an epoch's end by an earlier version continues at the epoch
// after it.
func CheckResume(cfg Config, ck *engine.TrainCheckpoint) error {
	dir, done := cfg.Output.Dir, ck.NextEpoch
	if cfg.Epochs < done {
		return &ValueError{Flag: "epochs", Msg: fmt.Sprintf("%d: %s has trained %s; a run is extended, not shortened (pass --epochs %d or more)",
			cfg.Epochs, dir, Plural(done, "epoch"), done+1)}
	}
	if ck.EpochStep > 0 && cfg.Epochs == done {
		// Within epoch done+1 (a stop, or the step budget): fewer epochs
		// would end the run on weights that trained into it.
		return &ValueError{Flag: "epochs", Msg: fmt.Sprintf("%d: %s has trained %s and %s of epoch %d; a run is extended, not shortened (pass --epochs %d or more)",
			cfg.Epochs, dir, Plural(done, "epoch"), Plural(ck.EpochStep, "step"), done+1, done+1)}
	}
	if cfg.MaxSteps > 0 && ck.Step > uint64(cfg.MaxSteps) {
		// Accepted, it was called the run's spent budget and recorded in
		// config.json over the steps the run had trained.
		return budgetBelowSteps(cfg.MaxSteps, dir, ck)
	}
	r, ok := resultOf(dir, ck)
	if !ok {
		return nil
	}
	if budgetSpent(cfg, ck) {
		if cfg.Epochs > r.Planned {
			return &ValueError{Flag: "epochs", Msg: fmt.Sprintf("%d: %s has trained %s (in epoch %d), all that --max-steps %d allows; pass a larger --max-steps to train more",
				cfg.Epochs, dir, Plural(int(ck.Step), "step"), r.LastEpoch(), cfg.MaxSteps)}
		}
		// Said as the result records the run's end: a run that trained
		// its epochs, or that early stopping ended, whose steps the budget
		// given now equals, was said to have stopped at that budget.
		return &FinishedError{Dir: dir, Done: r.LastEpoch(), Planned: r.Planned, MaxSteps: cfg.MaxSteps, EpochStep: ck.EpochStep,
			ByBudget: r.Stopped == "max_steps" || (r.Stopped == "" && r.Epochs < r.Planned), StoppedEarlier: r.Stopped == "early_stopping"}
	}
	if EarlyStopped(cfg, ck) && done < r.Planned && cfg.Epochs <= r.Planned {
		// Extended beyond its plan only (Keras's fit called again). An
		// --epochs between the epochs trained and the plan, which only
		// a command line gives (the record is the plan), was "nothing
		// to do", exit 0, over the value typed.
		if cfg.Epochs > done && cfg.Epochs < r.Planned {
			return &ValueError{Flag: "epochs", Msg: fmt.Sprintf("%d: early stopping ended %s after %d of its %s; a run it ended is extended beyond its planned epochs (pass --epochs %d or more)",
				cfg.Epochs, dir, done, Plural(r.Planned, "planned epoch"), r.Planned+1)}
		}
		return &FinishedError{Dir: dir, Done: done, Planned: r.Planned, StoppedEarlier: true}
	}
	if done >= cfg.Epochs {
		return &FinishedError{Dir: dir, Done: done, Planned: cfg.Epochs}
	}
	return nil
}

// budgetSpent reports whether the run has trained the optimizer steps
// cfg's --max-steps allows.
func budgetSpent(cfg Config, ck *engine.TrainCheckpoint) bool {
	return cfg.MaxSteps > 0 && ck.Step >= uint64(cfg.MaxSteps)
}

// earlyStoppingKey is EarlyStopping's name in a checkpoint.
var earlyStoppingKey = (&engine.EarlyStopping{}).StateKey()

// EarlyStopped reports whether early stopping ended the run saved in ck:
// its patience ran out (EarlyStopping stops an epoch when it has waited
// Patience epochs).
func EarlyStopped(cfg Config, ck *engine.TrainCheckpoint) bool {
	p := cfg.Callbacks.EarlyStopping
	s, ok := ck.Callbacks[earlyStoppingKey]
	return p > 0 && ok && s["wait"] >= float64(p)
}

// rearmed is the checkpoint to resume from. Extending a run that early
// stopping ended is Keras's fit called again: EarlyStopping and
// ReduceLROnPlateau start afresh (their TrainBegin resets them; patience
// counts from the first new epoch), while the weights (the best epoch's,
// with --restore-best-weights), the optimizer, the learning rate and the
// best checkpoint carry over. Any other resume continues as if never
// interrupted: every callback's state is restored. (An early-stopped run
// that has not written its result is only finished: see Trained.)
func rearmed(cfg Config, ck *engine.TrainCheckpoint, log io.Writer) *engine.TrainCheckpoint {
	if ck == nil || !EarlyStopped(cfg, ck) {
		return ck
	}
	fmt.Fprintf(log, "early stopping ended %s after epoch %d; as Keras's fit called again, EarlyStopping and ReduceLROnPlateau start afresh\n",
		cfg.Output.Dir, ck.NextEpoch)
	c := *ck
	c.Callbacks, c.CallbackTensors = maps.Clone(ck.Callbacks), maps.Clone(ck.CallbackTensors)
	for _, key := range []string{earlyStoppingKey, (&engine.ReduceLROnPlateau{}).StateKey()} {
		delete(c.Callbacks, key)
		delete(c.CallbackTensors, key)
	}
	return &c
}

// Trained reports whether a resumed run has nothing left to train, only
// its final weights and result to write: it trained every planned epoch,
// spent its step budget, or early stopping ended it before it wrote its
// result.
func Trained(cfg Config, ck *engine.TrainCheckpoint) bool {
	if ck.NextEpoch >= cfg.Epochs || budgetSpent(cfg, ck) {
		return true
	}
	_, finished := resultOf(cfg.Output.Dir, ck)
	return EarlyStopped(cfg, ck) && !finished
}

// resultOf is the result.json in dir when it is the result of the state ck,
// and whether it is. A resume that extends a run keeps the earlier
// result.json until the run finishes again: one stopped after its last
// epoch's state and before its new result (a full disk, a second Ctrl-C in
// the final evaluation) holds the result of fewer epochs, and taking it
// for this state's said "nothing to do" over stale final weights. The
// steps are compared where the result records them (it has since they were
// added).
func resultOf(dir string, ck *engine.TrainCheckpoint) (*Result, bool) {
	r, err := ReadResult(dir)
	if err != nil || !r.records(ck.NextEpoch, ck.EpochStep, ck.Step) {
		return nil, false
	}
	return r, true
}

// records reports whether r is the result of a state that continues at
// epoch next (0-based), after epochStep of its steps, having trained step
// optimizer steps (the state's NextEpoch, EpochStep and Step): the one
// check of resultOf and CurrentResult. A finished run's state within an
// epoch is that of a step budget spent there (engine.FitConfig.MaxSteps):
// its result counts the epochs before the cut one, the cut one's steps as
// CutSteps (read so from an earlier version's: DecodeResult), and the same
// steps in all.
func (r *Result) records(next, epochStep int, step uint64) bool {
	if epochStep > 0 {
		return r.Epochs == next && r.CutSteps == epochStep && r.Steps == step
	}
	return r.Epochs == next && r.CutSteps == 0 && (r.Steps == 0 || r.Steps == step)
}

// ReadResult reads a run folder's result.json.
func ReadResult(dir string) (*Result, error) {
	raw, err := engine.ReadFile(filepath.Join(dir, ResultFile), "result file", engine.MaxRecordFile)
	if err != nil {
		return nil, err
	}
	return DecodeResult(dir, raw)
}

// stopReason is why a finished run trained fewer epochs than it planned,
// or cut its last one short (cut: the step budget ended it within that
// epoch, which a larger budget continues): "max_steps" when it spent its
// step budget, else "early_stopping"; "" when it trained them all.
func stopReason(cfg Config, r *Result, cut bool) string {
	switch {
	case cut:
		return "max_steps"
	case r.Epochs >= r.Planned:
		return ""
	case cfg.MaxSteps > 0 && r.Steps >= uint64(cfg.MaxSteps):
		return "max_steps"
	}
	return "early_stopping"
}
