package engine

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SmallestFloat32 is the smallest normal float32, the precision training
// computes in: a learning rate (or another optimizer setting) below it is
// subnormal there, or 0, and trains nothing.
const SmallestFloat32 = 0x1p-126

// Schedule gives the learning rate of each epoch (0-based), like the
// function passed to keras.callbacks.LearningRateScheduler.
type Schedule interface {
	LR(epoch int) float64
	String() string
}

// StepDecay: lr·factor^⌊epoch/every⌋.
type StepDecay struct {
	Initial, Factor float64
	Every           int
}

func (s StepDecay) LR(epoch int) float64 {
	return s.Initial * math.Pow(s.Factor, float64(epoch/s.Every))
}
func (s StepDecay) String() string { return fmt.Sprintf("step(every %d, ×%g)", s.Every, s.Factor) }

// ExponentialDecay: lr·rate^epoch.
type ExponentialDecay struct{ Initial, Rate float64 }

func (s ExponentialDecay) LR(epoch int) float64 { return s.Initial * math.Pow(s.Rate, float64(epoch)) }
func (s ExponentialDecay) String() string       { return fmt.Sprintf("exponential(×%g per epoch)", s.Rate) }

// CosineDecay warms up linearly over Warmup epochs to Initial, then follows
// Keras's CosineDecay(Initial, decay_steps=Epochs-Warmup, alpha=MinLR/Initial)
// called with the epoch after the warm-up (0-based, as
// LearningRateScheduler passes it): with d = min(epoch-Warmup, D) and
// D = Epochs-Warmup,
//
//	lr = MinLR + (Initial-MinLR)·(1+cos(π·d/D))/2
//
// so the first epoch after the warm-up runs at Initial and the rate reaches
// MinLR at epoch Epochs, one past the last: every epoch of the run trains
// with a positive rate even when MinLR is 0.
type CosineDecay struct {
	Initial, MinLR float64
	Epochs, Warmup int
}

func (s CosineDecay) LR(epoch int) float64 {
	if epoch < s.Warmup {
		return s.Initial * float64(epoch+1) / float64(s.Warmup)
	}
	span := s.Epochs - s.Warmup
	if span <= 0 {
		return s.Initial
	}
	d := math.Min(float64(epoch-s.Warmup), float64(span))
	return s.MinLR + (s.Initial-s.MinLR)*(1+math.Cos(math.Pi*d/float64(span)))/2
}
func (s CosineDecay) String() string {
	return fmt.Sprintf("cosine(warm-up %d, %d epochs, min %g)", s.Warmup, s.Epochs, s.MinLR)
}

// Values is an explicit per-epoch list; the last value holds afterwards.
type Values []float64

func (s Values) LR(epoch int) float64 { return s[min(epoch, len(s)-1)] }
func (s Values) String() string       { return fmt.Sprintf("values%v", []float64(s)) }

// ParseSchedule reads a schedule: "step:EVERY:FACTOR", "exp:RATE",
// "cosine[:WARMUP[:MIN_LR]]" or "values:LR1,LR2,...". initial is the base
// rate and epochs the run's length (for cosine).
func ParseSchedule(spec string, initial float64, epochs int) (Schedule, error) {
	parts := strings.Split(spec, ":")
	// Fields beyond a kind's own, and a fraction where a count of epochs
	// goes, were dropped in silence (step:1:0.5:9, step:1.5:0.5).
	most := map[string]int{"step": 3, "exp": 2, "cosine": 3, "values": 2}[parts[0]]
	if most > 0 && len(parts) > most {
		return nil, fmt.Errorf("schedule %q: %q is one field too many (want step:EVERY:FACTOR, exp:RATE, cosine[:WARMUP[:MIN_LR]] or values:LR1,LR2,...)", spec, parts[most])
	}
	num := func(i int, def float64) (float64, error) {
		if i >= len(parts) {
			return def, nil
		}
		v, err := strconv.ParseFloat(parts[i], 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, fmt.Errorf("schedule %q: %q is not a non-negative number", spec, parts[i])
		}
		return v, nil
	}
	count := func(i int, def float64) (float64, error) {
		v, err := num(i, def)
		if err == nil && (v != math.Trunc(v) || v > math.MaxInt32) {
			err = fmt.Errorf("schedule %q: %q is not a count of epochs", spec, parts[i])
		}
		return v, err
	}
	switch parts[0] {
	case "step":
		every, err := count(1, 10)
		if err != nil {
			return nil, err
		}
		factor, err := num(2, 0.5)
		if err != nil {
			return nil, err
		}
		if every < 1 {
			return nil, fmt.Errorf("schedule %q: EVERY must be at least 1", spec)
		}
		if factor == 0 {
			return nil, fmt.Errorf("schedule %q: FACTOR must be positive (0 stops training at epoch %d)", spec, int(every)+1)
		}
		return beyondFloat32(spec, "FACTOR", factor, StepDecay{Initial: initial, Factor: factor, Every: int(every)}, epochs)
	case "exp":
		rate, err := num(1, 0.9)
		if err != nil {
			return nil, err
		}
		if rate == 0 {
			return nil, fmt.Errorf("schedule %q: RATE must be positive (0 stops training at epoch 2)", spec)
		}
		return beyondFloat32(spec, "RATE", rate, ExponentialDecay{Initial: initial, Rate: rate}, epochs)
	case "cosine":
		warm, err := count(1, 0)
		if err != nil {
			return nil, err
		}
		minLR, err := num(2, 0)
		if err != nil {
			return nil, err
		}
		if minLR >= initial {
			// Keras's alpha = MIN_LR/initial ≥ 1 turns the decay into a climb.
			return nil, fmt.Errorf("schedule %q: MIN_LR %g is not below the initial learning rate %g, so the rate would rise, not decay", spec, minLR, initial)
		}
		return CosineDecay{Initial: initial, MinLR: minLR, Epochs: epochs, Warmup: int(warm)}, nil
	case "values":
		if len(parts) != 2 || parts[1] == "" {
			return nil, fmt.Errorf("schedule %q: want values:LR1,LR2,...", spec)
		}
		var vs Values
		for _, f := range strings.Split(parts[1], ",") {
			v, err := strconv.ParseFloat(f, 64)
			// Below float32's smallest normal number (or above its
			// largest) the rate trains at 0 (or diverges).
			if err != nil || !(v >= SmallestFloat32 && v <= math.MaxFloat32) {
				return nil, fmt.Errorf("schedule %q: %q is not a positive learning rate (in float32, which training computes in)", spec, f)
			}
			vs = append(vs, v)
		}
		return vs, nil
	}
	return nil, fmt.Errorf("unknown schedule %q (want step:EVERY:FACTOR, exp:RATE, cosine[:WARMUP[:MIN_LR]] or values:LR1,LR2,...)", spec)
}

// beyondFloat32 refuses a step or exp schedule whose rate leaves float32,
// the precision training computes in, within the run's epochs (the rate is
// monotone in the epoch): step:1:1e308 trained its first epoch, then its
// rate was +Inf and the second ended in "training loss is NaN … (lower the
// learning rate)", exit 1, after its state was saved; exp:1e-320 trained
// two epochs, then its rate was 0 and LearningRateScheduler stopped the
// run, exit 1 (exp:0.5 so at epoch 1067, hours in).
func beyondFloat32(spec, name string, v float64, s Schedule, epochs int) (Schedule, error) {
	bad := func(e int) bool { lr := s.LR(e); return !(lr > 0 && lr <= math.MaxFloat32) }
	if epochs < 1 || !bad(epochs-1) {
		return s, nil
	}
	lo, hi := -1, epochs-1 // the first bad epoch is in (lo, hi]
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; bad(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if lr := s.LR(hi); lr > 0 {
		return nil, fmt.Errorf("schedule %q: %s %g takes the learning rate to %.3g at epoch %d, beyond float32 (which training computes in), where training diverges",
			spec, name, v, lr, hi+1)
	}
	return nil, fmt.Errorf("schedule %q: %s %g takes the learning rate to 0 at epoch %d, where training would stop", spec, name, v, hi+1)
}

// EpochBeginner is a Callback that also acts before each epoch.
type EpochBeginner interface {
	EpochBegin(s *TrainState, epoch int) error
}

// LearningRateScheduler is keras.callbacks.LearningRateScheduler: it sets the
// optimizer's rate from Schedule before each epoch and logs it as "lr".
type LearningRateScheduler struct {
	Schedule Schedule
}

func (c *LearningRateScheduler) TrainBegin(*TrainState) error { return nil }
func (c *LearningRateScheduler) TrainEnd(*TrainState) error   { return nil }
func (c *LearningRateScheduler) EpochBegin(s *TrainState, epoch int) error {
	lr := c.Schedule.LR(epoch)
	if !(lr > 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("LearningRateScheduler: schedule %v gives learning rate %g at epoch %d", c.Schedule, lr, epoch+1)
	}
	s.Optimizer.SetLearningRate(lr)
	return nil
}
func (c *LearningRateScheduler) EpochEnd(s *TrainState, _ int, logs Logs) error {
	logs["lr"] = s.Optimizer.LearningRate()
	return nil
}
func (c *LearningRateScheduler) CutEpochEnd(s *TrainState, logs Logs) {
	logs["lr"] = s.Optimizer.LearningRate()
}

// CutEpochLogger is a callback that logs a figure at every epoch's end
// (the learning rate): it logs it, and acts on nothing, at the end of an
// epoch the step budget cut short (FitConfig.MaxSteps), whose EpochEnd
// does not run, so that the history's columns stay whole.
type CutEpochLogger interface {
	CutEpochEnd(s *TrainState, logs Logs)
}

// ReduceLROnPlateau is keras.callbacks.ReduceLROnPlateau: when Monitor has
// not improved by MinDelta for Patience epochs, multiply the rate by Factor
// (not below MinLR), then wait Cooldown epochs before counting again.
type ReduceLROnPlateau struct {
	Monitor  string
	Mode     string
	Factor   float64 // Keras default 0.1
	Patience int     // Keras default 10
	MinDelta float64 // Keras default 1e-4
	Cooldown int
	MinLR    float64
	Log      io.Writer

	best     float64
	maximize bool
	wait     int
	cooldown int
}

func (c *ReduceLROnPlateau) TrainBegin(*TrainState) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	if !(c.Factor > 0 && c.Factor < 1) {
		return fmt.Errorf("ReduceLROnPlateau: factor must be in (0, 1), got %g", c.Factor)
	}
	var err error
	if c.maximize, err = monitorMode(c.Mode, c.Monitor); err != nil {
		return fmt.Errorf("ReduceLROnPlateau: %w", err)
	}
	c.best, c.wait, c.cooldown = math.Inf(1), 0, 0
	if c.maximize {
		c.best = math.Inf(-1)
	}
	return nil
}

func (c *ReduceLROnPlateau) TrainEnd(*TrainState) error { return nil }

func (c *ReduceLROnPlateau) CutEpochEnd(s *TrainState, logs Logs) {
	logs["lr"] = s.Optimizer.LearningRate()
}

func (c *ReduceLROnPlateau) EpochEnd(s *TrainState, epoch int, logs Logs) error {
	logs["lr"] = s.Optimizer.LearningRate()
	cur, ok := logs[c.Monitor]
	if !ok {
		return nil
	}
	if c.cooldown > 0 {
		c.cooldown--
		c.wait = 0
	}
	improved := cur < c.best-c.MinDelta
	if c.maximize {
		improved = cur > c.best+c.MinDelta
	}
	switch {
	case improved:
		c.best, c.wait = cur, 0
	case c.cooldown == 0:
		c.wait++
		if c.wait >= c.Patience {
			old := s.Optimizer.LearningRate()
			if old > c.MinLR {
				lr := math.Max(old*c.Factor, c.MinLR)
				s.Optimizer.SetLearningRate(lr)
				if c.Log != nil {
					fmt.Fprintf(c.Log, "Epoch %d: ReduceLROnPlateau reducing learning rate to %g.\n", epoch+1, lr)
				}
				c.cooldown, c.wait = c.Cooldown, 0
			}
		}
	}
	return nil
}

// ReduceLROnPlateau's resume state (StatefulCallback).

func (c *ReduceLROnPlateau) StateKey() string { return "reduce_lr_on_plateau" }
func (c *ReduceLROnPlateau) CallbackState() map[string]float64 {
	return map[string]float64{"best": c.best, "wait": float64(c.wait), "cooldown": float64(c.cooldown)}
}
func (c *ReduceLROnPlateau) SetCallbackState(s map[string]float64) {
	c.best, c.wait, c.cooldown = s["best"], int(s["wait"]), int(s["cooldown"])
}
