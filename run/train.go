package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// Files a run writes into its output folder.
const (
	StateFile  = "state.safetensors" // everything a resume needs, after each epoch
	ResultFile = "result.json"       // written last: its presence means the run finished
	FinalFile  = "final.safetensors"
	ConfigFile = "config.json" // the run's Config, as JSON
)

// Result is a finished run's summary (result.json).
type Result struct {
	Epochs int `json:"epochs"` // whole epochs trained: history.csv's rows
	// CutSteps are the steps trained of epoch Epochs+1, which the step
	// budget cut short (stopped "max_steps"): an epoch that did not end,
	// in neither Epochs nor the history files (cutresult.go); 0 when the
	// run ended at an epoch's end.
	CutSteps         int        `json:"cut_epoch_steps,omitempty"`
	Planned          int        `json:"epochs_planned"`    // Config.Epochs (early stopping may end sooner)
	Seconds          float64    `json:"seconds"`           // in training, all sessions together; 0 on a simulated device
	Sessions         []Session  `json:"sessions"`          // each invocation's part: the first run and every resume that took a step
	Steps            uint64     `json:"steps"`             // optimizer steps
	Stopped          string     `json:"stopped,omitempty"` // why before epochs_planned (or within the last): "early_stopping" or "max_steps"
	TrainedOn        *DataPrint `json:"trained_on"`        // the data (see DataPrint)
	Device           string     `json:"device"`            // the backend's description (hardware, libraries, maths mode)
	FinalTestLoss    float64    `json:"final_test_loss"`
	FinalTestAcc     float64    `json:"final_test_accuracy"`
	BestCheckpoint   string     `json:"best_checkpoint,omitempty"`
	BestMonitor      string     `json:"best_monitor,omitempty"`
	BestValue        float64    `json:"best_value,omitempty"`
	BestTestLoss     float64    `json:"best_test_loss,omitempty"`
	BestTestAccuracy float64    `json:"best_test_accuracy,omitempty"`
	// BestMissing names the best checkpoint, as best_checkpoint would, when
	// it was gone at the end (removed after it was saved): best_checkpoint
	// and the best test numbers are then absent, since nothing was left to
	// evaluate; best_monitor and best_value still say what it scored.
	BestMissing string `json:"best_checkpoint_missing,omitempty"`
	// Optimizer is the optimizer as it ran: learning rate, momentum,
	// weight decay and epsilon with Keras's defaults filled in.
	Optimizer OptimizerConfig `json:"optimizer"`
}

// Options are how a run reports and what it reuses, not what it computes.
type Options struct {
	Log io.Writer // data source, model line, callbacks' messages (nil: none)
	Out io.Writer // the summary at the end (nil: none)
	// Progress makes the per-epoch display for a backend (nil: none).
	Progress func(t engine.Traits, batch int) engine.Progress
	// Data is MNIST already loaded (a study shares it); nil: located from
	// Config.Source.
	Data *mnist.Set
	// Backend to train on (a study shares one per cell); nil: opened from
	// Config.Device.
	Backend engine.Backend
	// Resume continues the run whose state this is (see LoadResume).
	Resume *engine.TrainCheckpoint
	// DataDirGiven: Config.Source.Dir was given now (--data-dir, or
	// MNISTGPU_DATA), not recorded. A resume reads it as a new run does,
	// refusing a folder that is not there; only a recorded folder that
	// holds no MNIST any more sends it to look for its data elsewhere.
	DataDirGiven bool
	// Recorded: cfg is a record's (a cell of a study whose folder's
	// study.json holds its settings), validated as a resumed run's are.
	Recorded bool
	// Overwrite replaces another run's files in the output folder.
	Overwrite bool
	// ConfigFile is the file --config read the settings from: one kept in
	// the output folder is the run's input, not a file no run writes.
	ConfigFile string
	// Stop, once closed, ends training at the next step boundary with its
	// state saved; Train then returns a *StoppedError (nil: no stop).
	Stop <-chan struct{}
	// Trained, if set, is called once training has ended with its state
	// saved, before the run finishes (final weights, test evaluation,
	// result.json): a stop after it has no step left to stop at.
	Trained func()
	// Lock is the folder's lock that the caller holds, checked before each
	// state and the final weights are saved (nil: not checked).
	Lock *Lock
}

// Train runs cfg to the end and returns its result; the output folder holds
// the state after every epoch, the history, checkpoints, the final weights
// and result.json. A *ValueError is a bad setting; a *OutputInUseError an
// output folder holding another run. The caller holds the folder's lock
// (LockFolder), taken before it read anything there.
func Train(cfg Config, o Options) (*Result, error) {
	validate := cfg.Validate
	if o.Resume != nil || o.Recorded {
		validate = cfg.ValidateRecorded // see legacyplateau.go
	}
	if err := validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Resolved() // what config.json, the state and result.json record
	cfg = cfg.withAbsolutePaths()
	if err := CheckOutputPaths(cfg); err != nil {
		return nil, err
	}
	if err := checkSaveEvery(cfg); err != nil {
		return nil, err
	}
	weightsLock, staleWeights, err := lockSaveWeights(cfg)
	if err != nil {
		return nil, err
	}
	defer weightsLock.Unlock()
	log, out := orDiscard(o.Log), orDiscard(o.Out)
	// From beside the file written: through a link, its target's folder.
	SayRemovedTemporaries(log, filepath.Dir(RealPath(engine.WriteTarget(cfg.Output.SaveWeights))), staleWeights)
	if o.Resume != nil {
		sayPlateauUnderSchedule(cfg, log)
	}
	if o.Resume != nil || o.Recorded {
		sayTemplateAsBefore(cfg, log)
	}
	sayClassCeiling(cfg, log, o.Resume != nil || o.Recorded)
	dir := cfg.Output.Dir
	var replaced []string // another run's files, removed once this one is ready
	if o.Resume == nil {
		var err error
		if replaced, err = claimOutput(dir, cfg, o.Overwrite, o.ConfigFile); err != nil {
			return nil, err
		}
	}
	build := BuildModel
	if o.Resume != nil || o.Recorded {
		build = BuildRecordedModel // validated as recorded above (recordedmodelfile.go)
	}
	m, err := build(cfg.Model.Name, cfg.Model.Activation)
	if err != nil {
		return nil, err
	}
	if o.Resume != nil {
		if err := checkRecordedModel(o.Resume, m, cfg.Model.Name); err != nil {
			return nil, err
		}
	}
	var initial *engine.WeightsFile // --init-weights, read before the data
	if p := cfg.Model.InitWeights; p != "" && o.Resume == nil {
		if initial, err = readInitWeights(m, p); err != nil {
			return nil, err
		}
	}
	be := o.Backend
	if be == nil {
		if be, err = OpenBackend(cfg, log); err != nil {
			return nil, err
		}
		defer engine.Close(be)
	}
	data := o.Data
	if data == nil {
		if data, err = loadData(cfg.Source, o.Resume != nil && !o.DataDirGiven, log); err != nil {
			return nil, err
		}
	}
	if o.Resume == nil {
		if err := checkTrainLimit(cfg, data); err != nil {
			return nil, err
		}
	}
	train, val, err := engine.SplitValidation(data.Train.Head(cfg.Data.TrainLimit), cfg.Data.ValidationSplit, cfg.Data.SplitMode(), cfg.Seed)
	if err != nil {
		// The flag names the setting: "--validation-split 0.9 of 30 samples: …".
		return nil, &ValueError{Flag: "validation-split", Msg: strings.TrimPrefix(err.Error(), "validation split ")}
	}
	rec, err := newRecord(dir, o.Resume, printData(data, train, val), data.From, log)
	if err != nil {
		return nil, err
	}
	spec := m.Spec()
	rec.model = &spec
	loss, _ := engine.ParseLoss(cfg.Model.Loss)
	batch := engine.LargestBatch(cfg.BatchSize, train.Len(), val.Len())
	if err := CheckDevice(cfg, be, train, batch); err != nil {
		return nil, err
	}
	defer m.Free() // before the backend closes (defers run last first)
	if err := m.Compile(be, loss, batch); err != nil {
		return nil, err
	}
	m.Init(cfg.Seed)
	if initial != nil {
		if err := m.SetKerasTensors(initial.Path, initial.Tensors); err != nil {
			return nil, err
		}
	}
	opt, _ := cfg.optimizer()
	ordered := &engine.MessagesAfterEpochLine{W: log}
	callbacks, ckpt, err := cfg.callbacks(opt, ordered)
	if err != nil {
		return nil, err
	}
	if ckpt != nil {
		// Checkpoints are saved before the state (Fit's callbacks, then
		// AfterEpoch): each asks too, so that none goes into a folder put
		// at this one's path since it was moved.
		ckpt.Guard = o.Lock.Check
	}
	fmt.Fprintf(log, "%s on %s: %d parameters, %s, batch %d, %d training / %d validation images%s\n",
		m.Name, be.Describe(), m.NumParams(), cfg.Optimizer.Describe(), cfg.BatchSize, train.Len(), val.Len(), cfg.Callbacks.monitoring(val.Len()))
	sayBatchAboveTrainingSet(cfg, train.Len(), log)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	if err := removeRunFiles(dir, replaced); err != nil {
		return nil, err
	}
	if o.Lock != nil {
		SayRemovedTemporaries(log, dir, removeStaleTemporaries(cfg))
	}
	if err := writeConfig(dir, cfg); err != nil {
		return nil, err
	}
	ml, err := openMetrics(dir)
	if err != nil {
		return nil, err
	}
	defer ml.close()
	if err := ml.start(cfg, be.Describe(), rec.data, o.Resume); err != nil {
		return nil, err
	}
	fit := engine.FitConfig{Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, Shuffle: cfg.Data.Shuffle, Seed: cfg.Seed,
		MaxSteps: cfg.MaxSteps, Augment: cfg.augmentation(), Callbacks: callbacks, Resume: rearmed(cfg, o.Resume, log),
		Stop: o.Stop, SaveEverySteps: cfg.Output.SaveEverySteps,
		AfterEpoch: func(ck *engine.TrainCheckpoint) error {
			h, err := engine.ReadHistoryJSON(StateFile, bytes.NewReader(ck.History))
			if err != nil {
				return err
			}
			if ck.Config, err = rec.encode(cfg, ck.NextEpoch, ck.Step); err != nil {
				return err
			}
			if err := o.Lock.Check(); err != nil {
				return err
			}
			if err := ml.epoch(h, opt.LearningRate(), ck); err != nil {
				return err
			}
			rec.cut, rec.epochStep = ck.EpochStep > 0, ck.EpochStep // see below
			// The state first: a history is never ahead of it, though a
			// failed write (a full disk) may leave it one epoch behind,
			// which the next epoch's write or a resume puts right.
			if err := ck.Save(filepath.Join(dir, StateFile)); err != nil {
				return err
			}
			return writeHistory(dir, h)
		}}
	if o.Progress != nil {
		ordered.P = o.Progress(be.Traits(), cfg.BatchSize)
	}
	fit.Progress = ordered
	if o.Resume != nil && Trained(cfg, o.Resume) && o.Resume.EpochStep == 0 {
		// Stopped after its last epoch's state, before its result. (One
		// whose step budget cut an epoch short goes to Fit, which ends
		// that epoch as it ended before: engine.FitConfig.MaxSteps.)
		hist, err := restoreTrained(m, opt, callbacks, o.Resume)
		if err != nil {
			return nil, err
		}
		if err := writeHistory(dir, hist); err != nil {
			return nil, err
		}
		return finish(cfg, o, m, data.Test, hist, callbacks, ckpt, rec, ml, log, out)
	}
	rec.begin(be.Traits().Simulated)
	hist, fitErr := engine.Fit(m, opt, train, val, fit)
	if fitErr != nil {
		// Every epoch whose state was saved is in the history files
		// (AfterEpoch); one that failed to save is not written.
		err := explainFailure(asStopped(fitErr, dir), dir, hist)
		if merr := ml.end(nil, err); merr != nil {
			fmt.Fprintln(log, merr)
		}
		return nil, err
	}
	// The step budget cut the last epoch short when Fit, ending without a
	// stop, saved its last state within an epoch (the budget's; a stop
	// returns an error, --save-every-steps saves before the epoch's end).
	// Not told by counting steps: a state of an earlier version holds
	// epochs the budget cut in its history, which a run continued past.
	rec.cut = rec.cut && cfg.MaxSteps > 0 && m.Steps() >= uint64(cfg.MaxSteps)
	if rec.cut {
		// An epoch cut short by the step budget has no epoch end: a cut
		// record, not a row of the history files (cutepoch.go).
		if err := ml.cut(hist, opt.LearningRate(), engine.BatchCount(train.Len(), cfg.BatchSize)); err != nil {
			return nil, err
		}
	}
	if err := o.Lock.Check(); err != nil {
		return nil, err
	}
	if len(hist.Logs) > 0 {
		if err := writeHistory(dir, wholeEpochs(hist, rec.cut)); err != nil {
			return nil, err
		}
	}
	return finish(cfg, o, m, data.Test, hist, callbacks, ckpt, rec, ml, log, out)
}

// finish saves the final weights, evaluates them (and the best checkpoint)
// on the test set, prints the summary, records the end in the metrics and
// writes result.json.
func finish(cfg Config, o Options, m *engine.Model, test engine.Dataset, hist *engine.History,
	callbacks []engine.Callback, ckpt *engine.ModelCheckpoint, rec *record, ml *metrics, log, out io.Writer) (*Result, error) {
	dir, be := cfg.Output.Dir, m.Backend()
	if o.Trained != nil {
		o.Trained()
	}
	if err := o.Lock.Check(); err != nil {
		return nil, err
	}
	final := cfg.Output.SaveWeights
	if final == "" {
		final = filepath.Join(dir, FinalFile)
	}
	// Through a link to a file, not over it (engine.WriteTarget).
	if err := m.SaveWeights(engine.WriteTarget(final), nil); err != nil {
		return nil, err
	}
	testLoss, testAcc := engine.Evaluate(m, test, cfg.BatchSize)
	r := &Result{Epochs: len(wholeEpochs(hist, rec.cut).Logs), Planned: cfg.Epochs, FinalTestLoss: testLoss, FinalTestAcc: testAcc,
		Device: be.Describe(), Steps: m.Steps(), TrainedOn: &rec.data, Sessions: rec.sessions(), Optimizer: cfg.Optimizer}
	if rec.cut {
		r.CutSteps = rec.epochStep
	}
	r.Seconds = totalSeconds(r.Sessions)
	r.Stopped = stopReason(cfg, r, rec.cut)
	sayStepBudgetSpent(cfg, r, log)
	sayBestNotRestored(cfg, callbacks, hist, r.Stopped, log)
	fmt.Fprintf(out, "\nTrained %s on %s.\n", trainedWhen(r, rec, be.Traits().Simulated), be.Name())
	fmt.Fprintf(out, "final weights:   %s  test loss %.4f  test accuracy %.4f\n", final, testLoss, testAcc)
	if err := evaluateBest(cfg, m, test, ckpt, r, out); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "history:         %s, %s\n", filepath.Join(dir, "history.csv"), filepath.Join(dir, "history.json"))
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	// The test evaluation took a while since the final weights' check.
	if err := o.Lock.Check(); err != nil {
		return nil, err
	}
	if err := ml.end(r, nil); err != nil {
		return nil, err
	}
	// Written last: its presence tells a study that this run is complete.
	return r, engine.WriteFileAtomic(filepath.Join(dir, ResultFile), func(w io.Writer) error { _, err := w.Write(raw); return err })
}

// restoreTrained puts a run whose epochs have all been trained back as it
// ended: weights, optimizer, callbacks (after their TrainBegin, as Fit does)
// and history.
func restoreTrained(m *engine.Model, opt engine.Optimizer, callbacks []engine.Callback, ck *engine.TrainCheckpoint) (*engine.History, error) {
	st := &engine.TrainState{Model: m, Optimizer: opt, History: &engine.History{}}
	for _, c := range callbacks {
		if err := c.TrainBegin(st); err != nil {
			return nil, err
		}
	}
	return ck.Restore(m, opt, callbacks)
}

// callbacks builds ModelCheckpoint, the schedule, ReduceLROnPlateau and
// EarlyStopping from the configuration.
func (c Config) callbacks(opt engine.Optimizer, log io.Writer) ([]engine.Callback, *engine.ModelCheckpoint, error) {
	cb := c.Callbacks
	var out []engine.Callback
	var ckpt *engine.ModelCheckpoint
	if cb.Checkpoint != nil && *cb.Checkpoint != "" {
		// Validated: a template refused since is a recorded run's.
		_, asBefore := templateAsBefore(*cb.Checkpoint, epochMetrics(c.Data.ValidationSplit > 0))
		ckpt = &engine.ModelCheckpoint{Path: filepath.Join(c.Output.Dir, *cb.Checkpoint), Monitor: cb.Monitor, Mode: cb.Mode,
			SaveBestOnly: cb.SaveBestOnly, Period: cb.CheckpointPeriod, KeepLast: cb.KeepLast, Log: io.Discard, AsBefore: asBefore}
		out = append(out, ckpt)
	}
	if spec := c.Optimizer.Schedule; spec != "" {
		s, err := engine.ParseSchedule(spec, opt.LearningRate(), c.Epochs)
		if err != nil {
			return nil, nil, &ValueError{Flag: "lr-schedule", Msg: err.Error()}
		}
		out = append(out, &engine.LearningRateScheduler{Schedule: s})
	}
	if p := cb.ReduceLROnPlateau; p > 0 {
		out = append(out, &engine.ReduceLROnPlateau{Monitor: cb.Monitor, Mode: cb.Mode, Factor: cb.ReduceLRFactor,
			Patience: p, MinDelta: 1e-4, MinLR: cb.MinLR, Log: log})
	}
	if p := cb.EarlyStopping; p > 0 {
		out = append(out, &engine.EarlyStopping{Monitor: cb.Monitor, Mode: cb.Mode, Patience: p,
			MinDelta: cb.MinDelta, RestoreBestWeights: cb.RestoreBestWeights, Log: log})
	}
	return out, ckpt, nil
}

// explainFailure adds to a training failure what the user can do next.
func explainFailure(err error, dir string, hist *engine.History) error {
	var nf *engine.NonFiniteError
	if !errors.As(err, &nf) {
		return err
	}
	done := 0
	if hist != nil {
		done = len(hist.Logs)
	}
	if done == 0 {
		return &DivergedError{Err: nf, Advice: "no epoch completed, so there is no state to resume; lower the learning rate"}
	}
	return &DivergedError{Err: nf, Advice: fmt.Sprintf("%s holds the state after epoch %d (the last good one); "+
		"resuming repeats the same steps, so start a new run with a lower learning rate", filepath.Join(dir, StateFile), done)}
}

// DivergedError is a run stopped by a NaN or infinite loss.
type DivergedError struct {
	Err    *engine.NonFiniteError
	Advice string
}

func (e *DivergedError) Error() string { return e.Err.Error() + "\n" + e.Advice }
func (e *DivergedError) Unwrap() error { return e.Err }

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// checkWritable fails early, before any training, when dir cannot take files.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeConfig writes the run's configuration beside its results, for people
// and scripts; a resume reads the copy inside the state file.
func writeConfig(dir string, cfg Config) error {
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(dir, ConfigFile), func(w io.Writer) error { _, err := w.Write(append(raw, '\n')); return err })
}

func writeHistory(dir string, h *engine.History) error {
	if err := engine.WriteFileAtomic(filepath.Join(dir, "history.csv"), h.WriteCSV); err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(dir, "history.json"), h.WriteJSON)
}
