package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Logs are Keras's epoch logs: loss, accuracy, val_loss, val_accuracy.
type Logs map[string]float64

// Progress receives training progress; the CLI draws a bar from it.
type Progress interface {
	EpochBegin(epoch, epochs, steps int)
	// BatchEnd is called after every step; metrics synchronises with the
	// device, so implementations call it only when they redraw.
	BatchEnd(step int, metrics func() Logs)
	EpochEnd(epoch int, logs Logs, elapsed time.Duration)
}

// EpochResumer is a Progress told the step an epoch resumes after (a
// resume within it), between EpochBegin and the first BatchEnd: a resume
// that takes no step (its step budget spent there) has no BatchEnd to
// count the epoch's steps from.
type EpochResumer interface {
	EpochResumedAt(step int)
}

// FitConfig is model.fit's arguments. How data is fed, how often the loss
// is read and whether epochs are timed are the backend's to say (Traits).
type FitConfig struct {
	Epochs    int
	BatchSize int
	Shuffle   bool   // reshuffle the training order every epoch
	Seed      uint64 // shuffling; weight init and dropout are seeded by the caller
	// MaxSteps stops training after this many optimizer steps in total (0:
	// no limit). A budget spent within an epoch cuts it short: AfterEpoch
	// receives the run at that step (EpochStep > 0), from which a larger
	// budget continues bit for bit as one given from the start; the cut
	// epoch is then logged and validated as it ran, the last entry of the
	// History Fit returns, but its epoch-end callbacks, which act on whole
	// epochs (checkpoints, early stopping, the plateau), do not run (see
	// CutEpochLogger), and its state's history holds the epochs before it.
	MaxSteps  int
	Augment   *Augmentation // applied to training batches only (nil: none)
	Callbacks []Callback
	Progress  Progress
	// Resume continues a run from a checkpoint (nil: a new run): Fit
	// restores weights, step count, optimizer state, every
	// StatefulCallback's state (after the callbacks' TrainBegin, which
	// resets it; EarlyStopping's best weights included), ModelCheckpoint's
	// best and kept files and the history, and starts at Resume.NextEpoch,
	// at its step Resume.EpochStep with the epoch's running loss and
	// accuracy sums when the checkpoint was taken in the middle of it.
	Resume *TrainCheckpoint
	// AfterEpoch receives, after every epoch, a snapshot holding everything
	// a resume needs; the caller sets its Config and saves it. It also
	// receives the mid-epoch snapshots (EpochStep > 0) taken at a Stop,
	// every SaveEverySteps steps and at a step budget spent within an epoch
	// (MaxSteps).
	AfterEpoch func(ck *TrainCheckpoint) error
	// Stop, once closed, ends training at the next step boundary: Fit
	// passes a snapshot of the run as it stands to AfterEpoch and returns a
	// *StoppedError. A run resumed from that snapshot ends bit for bit as
	// one never stopped (nil: no stop).
	Stop <-chan struct{}
	// SaveEverySteps passes a mid-epoch snapshot to AfterEpoch after every
	// SaveEverySteps-th optimizer step (Keras BackupAndRestore's
	// save_freq), except at an epoch's last step, whose epoch-end snapshot
	// follows: a killed run loses at most that many steps (0: epoch ends
	// only).
	SaveEverySteps int
	// Eager launches every step's work one call at a time even on a backend
	// that can replay a captured step (GraphCapturer): the weights are the
	// same, bit for bit; the launches and host work are not.
	Eager bool
}

// StoppedError is a Fit ended by FitConfig.Stop after Step steps of Epoch
// (1-based), its state passed to AfterEpoch.
type StoppedError struct{ Epoch, Step int }

func (e *StoppedError) Error() string {
	return fmt.Sprintf("stopped at epoch %d, step %d", e.Epoch, e.Step)
}

// TrainState is what callbacks see and may change.
type TrainState struct {
	Model     *Model
	Optimizer Optimizer
	History   *History
	Stop      bool // set by a callback to end training after this epoch
	Epoch     int  // current epoch, 0-based
}

// Fit trains m on train, validating on val after every epoch when val has
// samples, and returns the history. Training loss and accuracy are the
// batch-size-weighted means over the epoch, as Keras logs them.
func Fit(m *Model, opt Optimizer, train, val Dataset, cfg FitConfig) (*History, error) {
	if err := checkFit(m, train, val, cfg); err != nil {
		return nil, err
	}
	r := &fitRun{m: m, opt: opt, cfg: cfg, n: train.Len(), traits: m.be.Traits(),
		st: &TrainState{Model: m, Optimizer: opt, History: &History{}}}
	var err error
	if r.train, err = OpenBatches(m.be, train, cfg.Augment, cfg.BatchSize); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	defer r.train.Free()
	if r.nVal = val.Len(); r.nVal > 0 {
		if r.val, err = OpenBatches(m.be, val, nil, cfg.BatchSize); err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		defer r.val.Free()
	}
	if r.steps, err = NewStepper(m, opt, r.train, cfg.BatchSize, cfg.Eager); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	defer r.steps.Free()
	first, err := r.begin()
	if err != nil {
		return r.st.History, err
	}
	for epoch := first; epoch < cfg.Epochs && !r.st.Stop; epoch++ {
		if err := r.epoch(epoch); err != nil {
			return r.st.History, err
		}
	}
	for _, c := range cfg.Callbacks {
		if err := c.TrainEnd(r.st); err != nil {
			return r.st.History, err
		}
	}
	return r.st.History, nil
}

// checkFit rejects a configuration Fit cannot run. A batch size larger than
// both sets runs one smaller batch of each (as Keras's fit does), so the
// model need only be compiled for the larger set: LargestBatch.
func checkFit(m *Model, train, val Dataset, cfg FitConfig) error {
	switch {
	case cfg.BatchSize < 1 || LargestBatch(cfg.BatchSize, train.Len(), val.Len()) > m.maxBatch:
		return fmt.Errorf("fit: batch size %d, model compiled for 1..%d", cfg.BatchSize, m.maxBatch)
	case train.Len() == 0:
		return fmt.Errorf("fit: empty training set")
	case fmt.Sprint(train.Shape) != fmt.Sprint(m.Input) || train.Classes != m.OutputShape().Size():
		return fmt.Errorf("fit: data of shape %v with %d classes does not fit a model of input %v and %d outputs",
			train.Shape, train.Classes, m.Input, m.OutputShape().Size())
	case cfg.Resume != nil && cfg.Resume.NextEpoch >= cfg.Epochs:
		return fmt.Errorf("fit: the checkpoint continues at epoch %d, the run has %d: nothing to train", cfg.Resume.NextEpoch+1, cfg.Epochs)
	case cfg.SaveEverySteps < 0:
		return fmt.Errorf("fit: saving every %d steps", cfg.SaveEverySteps)
	}
	if ck := cfg.Resume; ck != nil && ck.EpochStep > 0 {
		steps := BatchCount(train.Len(), cfg.BatchSize)
		if len(ck.Metrics) != 2 {
			return fmt.Errorf("fit: the checkpoint stopped in the middle of epoch %d without the epoch's running loss and accuracy", ck.NextEpoch+1)
		}
		if ck.EpochStep >= steps || uint64(ck.EpochStep) > ck.Step {
			return fmt.Errorf("fit: the checkpoint stopped after step %d of epoch %d (step %d in all); an epoch of %d samples in batches of %d has %d",
				ck.EpochStep, ck.NextEpoch+1, ck.Step, train.Len(), cfg.BatchSize, steps)
		}
	}
	return nil
}

// fitRun is one call of Fit: its arguments and the state shared by its epochs.
type fitRun struct {
	m      *Model
	opt    Optimizer
	cfg    FitConfig
	traits Traits
	st     *TrainState

	train, val Batches
	steps      *Stepper
	n, nVal    int   // training and validation samples
	order      []int // this epoch's training order
	seen       int   // training samples so far this epoch
	// resumeStep steps of the first epoch were taken before a resume, with
	// the running sums resumeMetrics; zero once that epoch has started.
	resumeStep    int
	resumeMetrics []float32
	// lastFinite is the last step of the epoch in progress whose loss was
	// read finite (checkLoss).
	lastFinite int
	// epochStart is when this session began the epoch in progress, and
	// epochBefore its time in training in earlier sessions (a resume within
	// it), so that its seconds are the whole epoch's.
	epochStart  time.Time
	epochBefore time.Duration
	// cut: the step budget ended this epoch before its last step.
	cut bool
	// savedElapsed is the epoch's time at its last mid-epoch save: a cut
	// epoch's training time, without the save of its state at the cut.
	savedElapsed time.Duration
}

// begin starts the callbacks, then restores cfg.Resume over what they reset,
// and returns the first epoch to run.
func (r *fitRun) begin() (int, error) {
	for _, c := range r.cfg.Callbacks {
		if err := c.TrainBegin(r.st); err != nil {
			return 0, err
		}
	}
	if r.cfg.Resume == nil {
		return 0, nil
	}
	h, err := r.cfg.Resume.Restore(r.m, r.opt, r.cfg.Callbacks)
	if err != nil {
		return 0, err
	}
	r.st.History = h
	r.resumeStep, r.resumeMetrics = r.cfg.Resume.EpochStep, r.cfg.Resume.Metrics
	r.epochBefore = time.Duration(r.cfg.Resume.EpochSeconds * float64(time.Second))
	if r.resumeStep == 0 && r.cfg.MaxSteps > 0 && r.m.Steps() >= uint64(r.cfg.MaxSteps) {
		// Resumed at an epoch's start with the budget spent: its first
		// step would overrun MaxSteps, which is checked after each step.
		// No epoch runs, as none follows the epoch a budget ended at.
		r.st.Stop = true
	}
	return r.cfg.Resume.NextEpoch, nil
}

// epoch runs one epoch: training, validation, callbacks, the history entry
// and the snapshot for AfterEpoch.
func (r *fitRun) epoch(epoch int) error {
	r.st.Epoch = epoch
	r.steps.ResumePass(epoch, r.shuffled(epoch), r.resumeStep)
	for _, c := range r.cfg.Callbacks {
		if eb, ok := c.(EpochBeginner); ok {
			if err := eb.EpochBegin(r.st, epoch); err != nil {
				return err
			}
		}
	}
	steps := BatchCount(r.n, r.cfg.BatchSize)
	if r.cfg.Progress != nil {
		r.cfg.Progress.EpochBegin(epoch, r.cfg.Epochs, steps)
		if er, ok := r.cfg.Progress.(EpochResumer); ok && r.resumeStep > 0 {
			er.EpochResumedAt(r.resumeStep)
		}
	}
	r.epochStart = time.Now()
	if err := r.trainSteps(epoch, steps); err != nil {
		return err
	}
	validating := time.Now()
	logs := r.metrics()
	if r.val != nil {
		logs["val_loss"], logs["val_accuracy"] = evaluate(r.m, r.val, r.nVal, r.cfg.BatchSize)
	}
	elapsed := r.epochElapsed()
	if r.cut {
		// Its steps and its validation, as an epoch that ends whole is
		// timed before its state's save: the cut's save counted, and a
		// cut epoch of 1 ms steps said "12ms/step".
		elapsed = r.savedElapsed
		if r.val != nil {
			elapsed += time.Since(validating)
		}
	}
	r.epochBefore = 0
	var cbErr error
	for _, c := range r.cfg.Callbacks {
		if r.cut {
			if cl, ok := c.(CutEpochLogger); ok {
				cl.CutEpochEnd(r.st, logs)
			}
			continue
		}
		if cbErr = c.EpochEnd(r.st, epoch, logs); cbErr != nil {
			break
		}
	}
	seconds := elapsed.Seconds()
	if r.traits.Simulated {
		seconds = 0 // a stand-in's wall time is no figure of the device
	}
	r.st.History.Append(epoch, logs, seconds)
	if r.cfg.Progress != nil {
		r.cfg.Progress.EpochEnd(epoch, logs, elapsed)
	}
	if cbErr != nil || r.cfg.AfterEpoch == nil || r.cut {
		return cbErr // a cut epoch's state was saved at its budget step
	}
	ck, err := Snapshot(r.st, r.cfg.Callbacks)
	if err != nil {
		return err
	}
	return r.cfg.AfterEpoch(ck)
}

// shuffled is the training order of an epoch: the stored order, shuffled by
// a generator seeded by (Seed, epoch+1) when Shuffle is set.
func (r *fitRun) shuffled(epoch int) []int {
	if r.order == nil {
		r.order = make([]int, r.n)
	}
	for i := range r.order {
		r.order[i] = i
	}
	if r.cfg.Shuffle {
		g := rand.New(rand.NewPCG(r.cfg.Seed, uint64(epoch)+1))
		g.Shuffle(r.n, func(i, j int) { r.order[i], r.order[j] = r.order[j], r.order[i] })
	}
	return r.order
}

// trainSteps runs an epoch's optimizer steps, from the resumed step in a
// resumed epoch. The loss is read every Traits.LossReadEvery steps and at
// the end (each read waits for the device) to stop on NaN or Inf. Stop is
// looked at before every step.
func (r *fitRun) trainSteps(epoch, steps int) error {
	m, batch := r.m, r.cfg.BatchSize
	every := max(r.traits.LossReadEvery, 1)
	first := r.resumeStep
	if first > 0 {
		m.resumeMetrics(r.resumeMetrics, first)
	} else {
		m.ResetMetrics()
	}
	r.resumeStep, r.resumeMetrics = 0, nil
	r.seen, r.lastFinite = first*batch, first
	if first > 0 && r.cfg.MaxSteps > 0 && int(m.Steps()) >= r.cfg.MaxSteps {
		// Resumed at the step its budget cuts this epoch at (the state of
		// a cut epoch whose end was not written, or a stop's with the
		// budget it reached given now): it ends as a cut epoch does, its
		// state saved again with the budget that cut it.
		r.st.Stop, r.cut = true, true
		return r.saveMidEpoch(epoch, first)
	}
	for s := first; s < steps; s++ {
		if r.stopRequested() {
			if err := r.saveMidEpoch(epoch, s); err != nil {
				return err
			}
			return &StoppedError{Epoch: epoch + 1, Step: s}
		}
		n := min(batch, r.n-s*batch)
		if err := r.steps.Step(s*batch, n); err != nil {
			return err
		}
		r.seen += n
		last := r.cfg.MaxSteps > 0 && int(m.Steps()) >= r.cfg.MaxSteps
		if (s+1)%every == 0 || s == steps-1 || last {
			if _, err := r.checkLoss(epoch, s+1); err != nil {
				return err
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress.BatchEnd(s+1, r.metrics)
		}
		if last {
			r.st.Stop = true
			if s+1 < steps {
				// The run at its budget, before the cut epoch's end: what a
				// larger budget continues.
				r.cut = true
				return r.saveMidEpoch(epoch, s+1)
			}
			break
		}
		if k := r.cfg.SaveEverySteps; k > 0 && m.Steps()%uint64(k) == 0 && s+1 < steps {
			if err := r.saveMidEpoch(epoch, s+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopRequested reports whether FitConfig.Stop is closed.
func (r *fitRun) stopRequested() bool {
	select {
	case <-r.cfg.Stop:
		return true
	default:
		return false
	}
}

// saveMidEpoch passes AfterEpoch the run after `step` steps of epoch: the
// epoch-boundary snapshot (weights, optimizer, callbacks, history of the
// epochs before) with the epoch, the step and the running sums of loss and
// accuracy, copied bit for bit. The epoch's order and augmentation follow
// from (Seed, epoch) and dropout's masks from the step count, so nothing
// else is needed to continue.
func (r *fitRun) saveMidEpoch(epoch, step int) error {
	var v [MetricsLen]float32
	if step > 0 {
		// Not yet read (Traits.LossReadEvery): a diverged run has no
		// state worth keeping, and one that saves none (no AfterEpoch)
		// still ends on its divergence, as where the loss is read every
		// step, not as stopped.
		var err error
		if v, err = r.checkLoss(epoch, step); err != nil {
			return err
		}
	}
	r.savedElapsed = r.epochElapsed()
	if r.cfg.AfterEpoch == nil {
		return nil
	}
	ck, err := Snapshot(r.st, r.cfg.Callbacks)
	if err != nil {
		return err
	}
	ck.NextEpoch, ck.EpochStep = epoch, step
	ck.EpochSeconds = r.savedElapsed.Seconds()
	if step > 0 {
		ck.Metrics = []float32{v[MetricLoss], v[MetricCorrect]}
	}
	return r.cfg.AfterEpoch(ck)
}

// epochElapsed is the epoch's time in training so far, in this session and
// (resumed within the epoch) the ones before.
func (r *fitRun) epochElapsed() time.Duration { return r.epochBefore + time.Since(r.epochStart) }

// metrics are the epoch's training loss and accuracy so far (synchronises).
func (r *fitRun) metrics() Logs {
	l, c := r.m.Metrics()
	return Logs{"loss": l / float64(r.seen), "accuracy": c / float64(r.seen)}
}

// LargestBatch is the largest batch Fit passes through the model in batches
// of batch over data sets of the given sizes: a batch size larger than every
// set runs each in one batch of its size, and a model compiled for that is
// enough (a batch size of 10⁹ on 1,600 images needs the buffers of 1,600).
func LargestBatch(batch int, sets ...int) int {
	return max(1, min(batch, slices.Max(sets)))
}

// BatchCount is how many batches of batch Fit passes n images in: ⌈n/batch⌉,
// the last one smaller when batch does not divide n.
func BatchCount(n, batch int) int { return (n + batch - 1) / batch }

// Evaluate returns the mean loss and accuracy of m on d in batches.
func Evaluate(m *Model, d Dataset, batch int) (loss, accuracy float64) {
	batch = min(batch, m.maxBatch)
	b, err := NewHostBatches(d, nil, batch)
	if err != nil {
		panic(fmt.Sprintf("engine: Evaluate in batches of %d: %v", batch, err))
	}
	return evaluate(m, b, d.Len(), batch)
}

// evaluate returns the mean loss and accuracy of m on the n samples of b, in
// its current order.
func evaluate(m *Model, b Batches, n, batch int) (loss, accuracy float64) {
	m.ResetMetrics()
	for off := 0; off < n; off += batch {
		m.evalStep(b, off, min(batch, n-off))
	}
	l, c := m.Metrics()
	return l / float64(n), c / float64(n)
}

// PredictAll returns the model's outputs (N × classes) for every sample of d.
func PredictAll(m *Model, d Dataset, batch int) []float32 {
	batch = min(batch, m.maxBatch)
	classes := m.OutputShape().Size()
	out := make([]float32, d.Len()*classes)
	x := make([]float32, batch*d.Shape.Size())
	t := make([]float32, batch*d.Classes)
	idx := make([]int, 0, batch)
	for s := 0; s < d.Len(); s += batch {
		idx = idx[:0]
		for i := s; i < min(d.Len(), s+batch); i++ {
			idx = append(idx, i)
		}
		d.Gather(idx, x, t)
		m.Predict(x, len(idx), out[s*classes:])
	}
	return out
}
