package run

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"mnistgpu/engine"
)

// A setting left unset (a nil optimizer hyper-parameter, an empty
// --monitor, no --checkpoint) takes a default that depends on the others:
// Keras's value for the optimizer, and a monitor and checkpoint name that
// the run's validation data can give. Resolved fills them in once, before
// the run writes its Config, so config.json, result.json and the state file
// hold the values that ran, and running that Config again is the same run.

// DefaultCheckpoint is the checkpoint file name template when --checkpoint
// is not given: named by val_loss, or by loss when the run has no
// validation data.
func DefaultCheckpoint(validation bool) string {
	if validation {
		return "weights0.{epoch:02d}-{val_loss:.2f}.safetensors"
	}
	return "weights0.{epoch:02d}-{loss:.2f}.safetensors"
}

// DefaultMonitor is the metric checkpoints, early stopping and
// ReduceLROnPlateau watch when --monitor is not given: val_loss, or loss
// without validation data. Keras keeps val_loss there, and its callbacks
// find it missing every epoch: ModelCheckpoint formats its file name first,
// so the report's name ({val_loss:.2f}) fails fit with a KeyError after the
// first epoch, and under another name save_best_only saves nothing;
// EarlyStopping never stops; each warns.
func DefaultMonitor(validation bool) string {
	if validation {
		return "val_loss"
	}
	return "loss"
}

// Resolved is c with every unset setting given its effective value; the
// optimizer's hyper-parameters it does not read stay nil. A Config that
// fails Validate is returned as it is.
func (c Config) Resolved() Config {
	validation := c.Data.ValidationSplit > 0
	if c.Model.Loss == "" { // a --config file's "loss": "", which trains the default
		c.Model.Loss = Default().Model.Loss
	}
	if c.Callbacks.Monitor == "" {
		c.Callbacks.Monitor = DefaultMonitor(validation)
	}
	if c.Callbacks.Checkpoint == nil {
		c.Callbacks.Checkpoint = ptr(DefaultCheckpoint(validation))
	}
	c.Data.resolveSplitRule()
	def, uses, err := engine.KerasDefaults(c.Optimizer.Name)
	if err != nil {
		return c
	}
	o := &c.Optimizer
	if first, ok := ownRates(o.Schedule); ok {
		def.LR = first // the rate the first epoch runs at
	}
	fill := func(p **float64, used bool, v float64) {
		switch {
		case !used:
			*p = nil
		case *p == nil:
			*p = ptr(v)
		}
	}
	fill(&o.LR, true, def.LR)
	fill(&o.Momentum, uses.Momentum, def.Momentum)
	fill(&o.WeightDecay, uses.WeightDecay, def.WeightDecay)
	fill(&o.Epsilon, uses.Epsilon, def.Epsilon)
	return c
}

// fromRecord reads a Config recorded by an earlier version, which stored 0
// for "Keras's default" learning rate and weight decay, and stored the
// hyper-parameters an optimizer ignores: those become unset, so that
// Resolved gives what that run used. It is applied only to such records
// (recordedBeforeUnset) and to the argument lists of early versions.
func (c Config) fromRecord() Config {
	o := &c.Optimizer
	if o.Epsilon != nil {
		return c
	}
	for _, p := range []**float64{&o.LR, &o.WeightDecay} {
		if *p != nil && **p == 0 {
			*p = nil
		}
	}
	if _, ok := ownRates(o.Schedule); ok {
		o.LR = nil // the schedule's values replaced it
	}
	if _, uses, err := engine.KerasDefaults(o.Name); err == nil {
		if !uses.Momentum {
			o.Momentum = nil
		}
		if !uses.Nesterov || o.Momentum == nil || *o.Momentum == 0 {
			o.Nesterov = false // without momentum it changed nothing
		}
		if !uses.WeightDecay {
			o.WeightDecay = nil
		}
	}
	return c
}

// checkFinite refuses a NaN or infinite value of any number setting.
func (c *Config) checkFinite() error {
	for _, f := range fields {
		if f.Kind != reflect.Float64 {
			continue
		}
		if v, ok := c.Get(f).(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return &ValueError{Flag: f.Flag, Msg: fmt.Sprintf("must be a finite number, got %g", v)}
		}
	}
	return nil
}

// checkOptimizer checks the optimizer's name and the hyper-parameters given,
// refusing those it does not read.
func (c Config) checkOptimizer() error {
	o := c.Optimizer
	_, uses, err := engine.KerasDefaults(o.Name)
	if err != nil {
		return &ValueError{Flag: "optimizer", Msg: err.Error()}
	}
	bad := func(flag, format string, a ...any) error {
		return &ValueError{Flag: flag, Msg: fmt.Sprintf(format, a...)}
	}
	first, ownRate := ownRates(o.Schedule)
	notApplied := func(flag, format string, a ...any) error {
		return &ValueError{Flag: flag, Msg: fmt.Sprintf(format, a...), NotApplied: true}
	}
	only := func(flag, which string) error {
		return notApplied(flag, "applies only to --optimizer %s, and --optimizer is %s: leave it out, or choose --optimizer %s", which, o.Name, which)
	}
	switch {
	case o.LR != nil && !(*o.LR > 0):
		return bad("lr", "must be positive, got %g", *o.LR)
	case o.LR != nil && ownRate && *o.LR != first:
		return notApplied("lr", "does not apply with --lr-schedule %s, which gives every epoch's rate: leave --lr out", o.Schedule)
	case o.Momentum != nil && !uses.Momentum:
		return only("momentum", "sgd")
	case o.Nesterov && !uses.Nesterov:
		return only("nesterov", "sgd")
	case o.WeightDecay != nil && !uses.WeightDecay:
		return only("weight-decay", "adamw")
	case o.Epsilon != nil && !uses.Epsilon:
		return notApplied("epsilon", "does not apply to --optimizer %s, which has no epsilon: leave it out", o.Name)
	case o.Momentum != nil && !(*o.Momentum >= 0 && *o.Momentum < 1):
		return bad("momentum", "must be in [0, 1), got %g", *o.Momentum)
	case o.Nesterov && (o.Momentum == nil || *o.Momentum == 0):
		return bad("nesterov", "needs --momentum above 0 (Nesterov momentum without momentum is plain SGD): give --momentum 0.9, say, or leave --nesterov out")
	case o.WeightDecay != nil && *o.WeightDecay < 0:
		return bad("weight-decay", "must not be negative, got %g", *o.WeightDecay)
	case o.Epsilon != nil && !(*o.Epsilon > 0):
		return bad("epsilon", "must be positive, got %g", *o.Epsilon)
	}
	// Training computes in float32: --lr 1e-50 was 0 there (nothing
	// trained, exit 0) and --epsilon 1e39 infinite (every update 0).
	for _, h := range []struct {
		flag string
		p    *float64
	}{{"lr", o.LR}, {"momentum", o.Momentum}, {"weight-decay", o.WeightDecay}, {"epsilon", o.Epsilon}} {
		if h.p != nil && *h.p != 0 && !(math.Abs(*h.p) >= engine.SmallestFloat32 && math.Abs(*h.p) <= math.MaxFloat32) {
			return bad(h.flag, "%g is beyond float32, the precision training computes in: give a value between %.3g and %.3g (or 0 where 0 is allowed)",
				*h.p, engine.SmallestFloat32, math.MaxFloat32)
		}
	}
	return nil
}

// checkApplies refuses settings that the rest of the configuration leaves
// without effect, and a monitor or checkpoint name that asks for validation
// metrics of a run without validation data. Settings whose default is
// not zero cannot be told apart from their default here, so only those
// given a non-default value are refused.
func (c Config) checkApplies() error {
	cb := c.Callbacks
	bad := func(flag, format string, a ...any) error {
		return &ValueError{Flag: flag, Msg: fmt.Sprintf(format, a...), NotApplied: true}
	}
	switch {
	case cb.MinLR != 0 && cb.ReduceLROnPlateau == 0:
		return bad("min-lr", "applies only with --reduce-lr-on-plateau N: give one, or leave --min-lr out")
	case cb.MinDelta != 0 && cb.EarlyStopping == 0:
		return bad("min-delta", "applies only with --early-stopping N: give one, or leave --min-delta out")
	case cb.RestoreBestWeights && cb.EarlyStopping == 0:
		return bad("restore-best-weights", "applies only with --early-stopping N: give one, or leave --restore-best-weights out")
	case cb.KeepLast != 0 && cb.Checkpoint != nil && *cb.Checkpoint == "":
		return bad("keep-last", "applies only to checkpoints, and --checkpoint is empty (none are written)")
	case cb.ReduceLROnPlateau != 0 && c.Optimizer.Schedule != "":
		// As in Keras, the scheduler sets the rate at every epoch's begin:
		// the plateau's reductions were printed, and undone an epoch later.
		return bad("reduce-lr-on-plateau", "does not apply with --lr-schedule %s, which sets every epoch's rate and so undoes each reduction at the next epoch: use one of them (beside --config, give --reduce-lr-on-plateau 0 or --lr-schedule \"\")", c.Optimizer.Schedule)
	}
	if err := c.checkCallbackSettingsApply(); err != nil {
		return err
	}
	if c.Data.ValidationSplit > 0 {
		return nil
	}
	if c.Data.Split != engine.SplitTail {
		// The split chooses the validation images and nothing else: without
		// them every split trained the same weights.
		return bad("split", "%s applies only with --validation-split above 0 (it chooses the validation images; without any, all images train in the same order): leave it out (beside --config, give --split tail), or give --validation-split 0.2", c.Data.Split)
	}
	if strings.HasPrefix(cb.Monitor, "val_") {
		return bad("monitor", "%s needs validation data, and --validation-split is 0: monitor loss or accuracy, or give --validation-split 0.2", cb.Monitor)
	}
	if cb.Checkpoint != nil && strings.Contains(*cb.Checkpoint, "{val_") {
		return bad("checkpoint", "%q is named by a validation metric, and --validation-split is 0: name it by {loss} or {epoch}, or give --validation-split 0.2", *cb.Checkpoint)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// Describe is the optimizer with the hyper-parameters it reads, as the
// run's first line shows them: "adamw lr=0.001 weight_decay=0.004
// epsilon=1e-07".
func (o OptimizerConfig) Describe() string {
	s := o.Name
	add := func(name string, p *float64) {
		if p != nil {
			s += fmt.Sprintf(" %s=%g", name, *p)
		}
	}
	add("lr", o.LR)
	add("momentum", o.Momentum)
	if o.Nesterov {
		s += " nesterov"
	}
	add("weight_decay", o.WeightDecay)
	add("epsilon", o.Epsilon)
	return s
}

// monitoring says, for the run's first line, which metric the callbacks
// that have one watch (nothing when none is on).
func (cb CallbackConfig) monitoring(validationImages int) string {
	if (cb.Checkpoint == nil || *cb.Checkpoint == "") && cb.EarlyStopping == 0 && cb.ReduceLROnPlateau == 0 {
		return ""
	}
	if validationImages == 0 {
		return ", monitoring " + cb.Monitor + " (no validation data)"
	}
	return ", monitoring " + cb.Monitor
}

// CheckpointTemplate is the checkpoint file name template the run uses:
// --checkpoint as given, else its default ("" when checkpoints are off).
func (c Config) CheckpointTemplate() string { return *c.Resolved().Callbacks.Checkpoint }

// ResumeRate is the learning rate a resumed run continues with: its
// schedule's for the next epoch (a schedule sets the rate at every epoch's
// begin, as Keras's LearningRateScheduler does), else the rate recorded in
// its state, ReduceLROnPlateau's reductions included.
func ResumeRate(cfg Config, ck *engine.TrainCheckpoint) float64 {
	r := cfg.Resolved()
	if spec := r.Optimizer.Schedule; spec != "" && r.Optimizer.LR != nil {
		if s, err := engine.ParseSchedule(spec, *r.Optimizer.LR, r.Epochs); err == nil {
			return s.LR(ck.NextEpoch)
		}
	}
	return ck.Optimizer.LR
}

// ownRates reports whether the schedule spec gives every epoch's rate
// itself (values:LR1,LR2,...), so that no --lr applies, and its first rate.
func ownRates(spec string) (first float64, ok bool) {
	if spec == "" {
		return 0, false
	}
	s, err := engine.ParseSchedule(spec, 1, 1)
	if v, isValues := s.(engine.Values); err == nil && isValues {
		return v[0], true
	}
	return 0, false
}

// Override applies settings given now (set) to a resolved Config, such as a
// run's config.json read for `train --config`. The values Resolved filled
// in for the recorded settings that no longer fit the new ones are cleared
// first, so that Resolved fills them in anew: the hyper-parameters the new
// optimizer does not read (the recorded learning rate stays: it is a
// setting of the run), the rate a values: schedule set when the schedule
// changes, and the default monitor and checkpoint name when the run gains
// or loses its validation data. A value set now is never cleared (set
// stores new pointers, so an unchanged pointer is a recorded value).
func (c Config) Override(set func(*Config) error) (Config, error) {
	// The default monitor and checkpoint name are blanked before set, so
	// that what set gives shows, and put back when they still fit.
	had := c.Data.ValidationSplit > 0
	cb := c.Callbacks
	next := c
	ncb := &next.Callbacks
	if cb.Monitor == DefaultMonitor(had) {
		ncb.Monitor = ""
	}
	if cb.Checkpoint != nil && *cb.Checkpoint == DefaultCheckpoint(had) {
		ncb.Checkpoint = nil
	}
	if err := set(&next); err != nil {
		return c, err
	}
	if has := next.Data.ValidationSplit > 0; has == had {
		if ncb.Monitor == "" {
			ncb.Monitor = cb.Monitor
		}
		if ncb.Checkpoint == nil {
			ncb.Checkpoint = cb.Checkpoint
		}
	}
	o, no := c.Optimizer, &next.Optimizer
	if no.Name != o.Name {
		if _, uses, err := engine.KerasDefaults(no.Name); err == nil {
			for _, p := range []struct {
				now  **float64
				was  *float64
				read bool
			}{{&no.Momentum, o.Momentum, uses.Momentum}, {&no.WeightDecay, o.WeightDecay, uses.WeightDecay}, {&no.Epsilon, o.Epsilon, uses.Epsilon}} {
				if *p.now == p.was && !p.read {
					*p.now = nil
				}
			}
			if no.Nesterov == o.Nesterov && !uses.Nesterov {
				no.Nesterov = false
			}
		}
	}
	if _, was := ownRates(o.Schedule); was && no.Schedule != o.Schedule && no.LR == o.LR {
		no.LR = nil
	}
	return next, nil
}
