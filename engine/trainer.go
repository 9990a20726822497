package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// FitConfig is model.fit's arguments.
type FitConfig struct {
	Epochs       int
	BatchSize    int
	Shuffle      bool   // reshuffle the training order every epoch
	Seed         uint64 // shuffling; weight init and dropout are seeded by the caller
	MaxSteps     int    // stop after this many optimizer steps in total (0: no limit)
	InitialEpoch int
	Augment      *Augmentation // applied to training batches only (nil: none)
	Callbacks    []Callback
	Progress     Progress
	// History to continue (a resumed run); nil starts a new one.
	History *History
	// AfterEpoch runs after each epoch is recorded in the history (the CLI
	// saves the training state there).
	AfterEpoch func(st *TrainState, epoch int) error
	// CheckEvery is how often, in steps, the loss is read to stop on NaN or
	// Inf (0: every step, which syncs the device each step).
	CheckEvery int
	// Resident uploads the training and validation sets to the device once
	// and gathers batches there (see ResidentSet); ignored with augmentation,
	// which runs on the host. Results are the same either way.
	Resident bool
	// NoTiming records 0 seconds per epoch in the history: set when the
	// device's wall time measures nothing (the CPU stand-in of a GPU).
	NoTiming bool
}

// NonFiniteError reports a NaN or infinite loss: where it appeared and the
// first layer whose weights are no longer finite ("" if all still are).
type NonFiniteError struct {
	Epoch, Step int // 1-based epoch, 1-based step within it
	Loss        float64
	Layer       string
}

func (e *NonFiniteError) Error() string {
	where := "every weight is still finite (the forward pass overflowed)"
	if e.Layer != "" {
		where = "the first non-finite weights are in " + e.Layer
	}
	return fmt.Sprintf("epoch %d, step %d: training loss is %v; %s; stopping (lower the learning rate)", e.Epoch, e.Step, e.Loss, where)
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
	if cfg.BatchSize < 1 || cfg.BatchSize > m.maxBatch {
		return nil, fmt.Errorf("fit: batch size %d, model compiled for 1..%d", cfg.BatchSize, m.maxBatch)
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("fit: empty training set")
	}
	if fmt.Sprint(train.Shape) != fmt.Sprint(m.Input) || train.Classes != m.OutputShape().Size() {
		return nil, fmt.Errorf("fit: data of shape %v with %d classes does not fit a model of input %v and %d outputs",
			train.Shape, train.Classes, m.Input, m.OutputShape().Size())
	}
	st := &TrainState{Model: m, Optimizer: opt, History: cfg.History}
	if st.History == nil {
		st.History = &History{}
	}
	for _, c := range cfg.Callbacks {
		if err := c.TrainBegin(st); err != nil {
			return st.History, err
		}
	}
	n := train.Len()
	steps := (n + cfg.BatchSize - 1) / cfg.BatchSize
	order := make([]int, n)
	x := make([]float32, cfg.BatchSize*train.Shape.Size())
	t := make([]float32, cfg.BatchSize*train.Classes)
	var scratch []float32
	if cfg.Augment.Enabled() {
		if len(train.Shape) != 3 {
			return nil, fmt.Errorf("fit: augmentation needs (H, W, C) images, got %v", train.Shape)
		}
		scratch = make([]float32, train.Shape.Size())
	}
	var resTrain, resVal *ResidentSet
	if cfg.Resident && scratch == nil {
		var err error
		if resTrain, err = Upload(m.be, train); err != nil {
			return nil, err
		}
		defer resTrain.Free()
		if val.Len() > 0 {
			if resVal, err = Upload(m.be, val); err != nil {
				return nil, err
			}
			defer resVal.Free()
		}
	}
	seen := 0
	metrics := func() Logs {
		l, c := m.Metrics()
		return Logs{"loss": l / float64(seen), "accuracy": c / float64(seen)}
	}
	for epoch := cfg.InitialEpoch; epoch < cfg.Epochs && !st.Stop; epoch++ {
		st.Epoch = epoch
		for i := range order {
			order[i] = i
		}
		if cfg.Shuffle {
			r := rand.New(rand.NewPCG(cfg.Seed, uint64(epoch)+1))
			r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for _, c := range cfg.Callbacks {
			if eb, ok := c.(EpochBeginner); ok {
				if err := eb.EpochBegin(st, epoch); err != nil {
					return st.History, err
				}
			}
		}
		if cfg.Progress != nil {
			cfg.Progress.EpochBegin(epoch, cfg.Epochs, steps)
		}
		start := time.Now()
		if resTrain != nil {
			resTrain.SetOrder(order)
		}
		m.ResetMetrics()
		seen = 0
		for s := 0; s < steps; s++ {
			idx := order[s*cfg.BatchSize : min(n, (s+1)*cfg.BatchSize)]
			if resTrain != nil {
				m.TrainStepResident(opt, resTrain, s*cfg.BatchSize, len(idx))
			} else {
				train.Gather(idx, x, t)
				if scratch != nil {
					sh := train.Shape
					cfg.Augment.Apply(x, len(idx), sh[0], sh[1], sh[2], uint64(epoch), uint64(s), scratch)
				}
				m.TrainStep(opt, x, t, len(idx))
			}
			seen += len(idx)
			if every := max(cfg.CheckEvery, 1); (s+1)%every == 0 || s == steps-1 {
				if l, _ := m.Metrics(); math.IsNaN(l) || math.IsInf(l, 0) {
					return st.History, &NonFiniteError{Epoch: epoch + 1, Step: s + 1, Loss: l, Layer: m.NonFiniteLayer()}
				}
			}
			if cfg.Progress != nil {
				cfg.Progress.BatchEnd(s+1, metrics)
			}
			if cfg.MaxSteps > 0 && int(m.Steps()) >= cfg.MaxSteps {
				st.Stop = true
				break
			}
		}
		logs := metrics()
		if resVal != nil {
			vl, va := EvaluateResident(m, resVal, cfg.BatchSize)
			logs["val_loss"], logs["val_accuracy"] = vl, va
		} else if val.Len() > 0 {
			vl, va := Evaluate(m, val, cfg.BatchSize)
			logs["val_loss"], logs["val_accuracy"] = vl, va
		}
		elapsed := time.Since(start)
		var cbErr error
		for _, c := range cfg.Callbacks {
			if cbErr = c.EpochEnd(st, epoch, logs); cbErr != nil {
				break
			}
		}
		seconds := elapsed.Seconds()
		if cfg.NoTiming {
			seconds = 0
		}
		st.History.Append(epoch, logs, seconds)
		if cfg.Progress != nil {
			cfg.Progress.EpochEnd(epoch, logs, elapsed)
		}
		if cbErr != nil {
			return st.History, cbErr
		}
		if cfg.AfterEpoch != nil {
			if err := cfg.AfterEpoch(st, epoch); err != nil {
				return st.History, err
			}
		}
	}
	for _, c := range cfg.Callbacks {
		if err := c.TrainEnd(st); err != nil {
			return st.History, err
		}
	}
	return st.History, nil
}

// Evaluate returns the mean loss and accuracy of m on d in batches.
func Evaluate(m *Model, d Dataset, batch int) (loss, accuracy float64) {
	batch = min(batch, m.maxBatch)
	x := make([]float32, batch*d.Shape.Size())
	t := make([]float32, batch*d.Classes)
	idx := make([]int, 0, batch)
	m.ResetMetrics()
	for s := 0; s < d.Len(); s += batch {
		idx = idx[:0]
		for i := s; i < min(d.Len(), s+batch); i++ {
			idx = append(idx, i)
		}
		d.Gather(idx, x, t)
		m.EvalStep(x, t, len(idx))
	}
	l, c := m.Metrics()
	return l / float64(d.Len()), c / float64(d.Len())
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
