package run

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	_ "mnistgpu/cpu" // the default device Validate checks
)

func configOf(t *testing.T, settings ...string) Config {
	t.Helper()
	c := Default()
	for i := 0; i+1 < len(settings); i += 2 {
		if err := c.Set(settings[i], settings[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// A value given is used as given; one not given is Keras's for the
// optimizer; a hyper-parameter the optimizer does not read is absent. A
// resolved Config survives its JSON (config.json, the state file) as it is.
func TestResolvedHoldsWhatRuns(t *testing.T) {
	for _, c := range []struct {
		settings []string
		want     string // Describe of the resolved optimizer
	}{
		{nil, "adam lr=0.001 epsilon=1e-07"},
		{[]string{"optimizer", "adamw", "weight-decay", "0"}, "adamw lr=0.001 weight_decay=0 epsilon=1e-07"},
		{[]string{"optimizer", "adamw"}, "adamw lr=0.001 weight_decay=0.004 epsilon=1e-07"},
		{[]string{"optimizer", "sgd"}, "sgd lr=0.01 momentum=0"},
		{[]string{"optimizer", "sgd", "momentum", "0.9", "nesterov", "true", "lr", "0.1"}, "sgd lr=0.1 momentum=0.9 nesterov"},
		{[]string{"optimizer", "rmsprop", "epsilon", "1e-5"}, "rmsprop lr=0.001 epsilon=1e-05"},
		{[]string{"lr-schedule", "values:0.02,0.01"}, "adam lr=0.02 epsilon=1e-07"},
	} {
		cfg := configOf(t, c.settings...)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%v: %v", c.settings, err)
		}
		r := cfg.Resolved()
		if got := r.Optimizer.Describe(); got != c.want {
			t.Errorf("%v: %s, want %s", c.settings, got, c.want)
		}
		if d := Diff(r, r.Resolved()); len(d) > 0 {
			t.Errorf("%v: resolving twice changes %v", c.settings, d)
		}
		raw, _ := json.Marshal(r)
		back, err := decodeConfig(raw)
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(r, back); len(d) > 0 || back.Validate() != nil {
			t.Errorf("%v: config.json reads back with %v (%v)", c.settings, d, back.Validate())
		}
	}
	// Without validation data the callbacks watch loss, as Keras's do.
	r := configOf(t, "validation-split", "0").Resolved()
	if r.Callbacks.Monitor != "loss" || *r.Callbacks.Checkpoint != DefaultCheckpoint(false) || strings.Contains(*r.Callbacks.Checkpoint, "val_") {
		t.Errorf("no validation data: monitor %q, checkpoint %q", r.Callbacks.Monitor, *r.Callbacks.Checkpoint)
	}
	if r := Default().Resolved(); r.Callbacks.Monitor != "val_loss" || *r.Callbacks.Checkpoint != DefaultCheckpoint(true) {
		t.Errorf("default: monitor %q, checkpoint %q", r.Callbacks.Monitor, *r.Callbacks.Checkpoint)
	}
}

// State files written before hyper-parameters could be left unset hold 0
// for "Keras's default" and the values an optimizer ignored; they resume
// with the values they trained with.
func TestRecordedBeforeResolvingReadsAsItRan(t *testing.T) {
	for _, c := range []struct{ optimizer, want string }{
		{`{"name": "adamw", "lr": 0, "momentum": 0, "nesterov": false, "weight_decay": 0, "lr_schedule": ""}`, "adamw lr=0.001 weight_decay=0.004 epsilon=1e-07"},
		{`{"name": "adam", "lr": 0.01, "momentum": 0.9, "nesterov": true, "weight_decay": 0.1, "lr_schedule": ""}`, "adam lr=0.01 epsilon=1e-07"},
		{`{"name": "sgd", "lr": 0, "momentum": 0, "nesterov": true, "weight_decay": 0, "lr_schedule": ""}`, "sgd lr=0.01 momentum=0"},
		{`{"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": false, "weight_decay": 0, "lr_schedule": ""}`, "sgd lr=0.1 momentum=0.9"},
		{`{"name": "sgd", "lr": 0.1, "momentum": 0, "nesterov": false, "weight_decay": 0, "lr_schedule": "values:0.3,0.2"}`, "sgd lr=0.3 momentum=0"},
	} {
		cfg, err := decodeConfig([]byte(`{"optimizer": ` + c.optimizer + `, "callbacks": {"checkpoint": "w.safetensors", "monitor": "val_loss",
			"mode": "auto", "save_best_only": true, "checkpoint_period": 1, "reduce_lr_factor": 0.1}}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", c.optimizer, err)
		}
		if got := cfg.Resolved().Optimizer.Describe(); got != c.want {
			t.Errorf("%s: %s, want %s", c.optimizer, got, c.want)
		}
	}
}

// Every setting that cannot be used as given is refused by its flag,
// before anything runs, saying what to do instead.
func TestValidateRefusesWhatDoesNotApply(t *testing.T) {
	for _, c := range []struct {
		settings []string
		flag     string
		says     string
	}{
		{[]string{"lr", "0"}, "lr", "must be positive"},
		{[]string{"lr", "NaN"}, "lr", "finite"},
		{[]string{"momentum", "NaN", "optimizer", "sgd"}, "momentum", "finite"},
		{[]string{"momentum", "1", "optimizer", "sgd"}, "momentum", "[0, 1)"},
		{[]string{"min-delta", "+Inf", "early-stopping", "2"}, "min-delta", "finite"},
		{[]string{"rotation", "NaN"}, "rotation", "finite"},
		{[]string{"validation-split", "NaN"}, "validation-split", "finite"},
		{[]string{"momentum", "0.9"}, "momentum", "--optimizer sgd"},
		{[]string{"momentum", "0", "optimizer", "adamw"}, "momentum", "--optimizer sgd"},
		{[]string{"nesterov", "true"}, "nesterov", "--optimizer sgd"},
		{[]string{"nesterov", "true", "optimizer", "sgd"}, "nesterov", "--momentum"},
		{[]string{"weight-decay", "0.01"}, "weight-decay", "--optimizer adamw"},
		{[]string{"weight-decay", "0.01", "optimizer", "sgd"}, "weight-decay", "--optimizer adamw"},
		{[]string{"epsilon", "1e-8", "optimizer", "sgd"}, "epsilon", "leave it out"},
		{[]string{"epsilon", "0"}, "epsilon", "must be positive"},
		{[]string{"lr", "0.1", "lr-schedule", "values:0.02,0.01"}, "lr", "leave --lr out"},
		{[]string{"min-lr", "1e-5"}, "min-lr", "--reduce-lr-on-plateau"},
		{[]string{"restore-best-weights", "true"}, "restore-best-weights", "--early-stopping"},
		{[]string{"min-delta", "0.01"}, "min-delta", "--early-stopping"},
		{[]string{"checkpoint", "", "keep-last", "2"}, "keep-last", "--checkpoint"},
		// One fixed name is written over at each save: nothing to delete.
		{[]string{"checkpoint", "best.safetensors", "keep-last", "2"}, "keep-last", "--checkpoint names one file, written over"},
		{[]string{"checkpoint", "w{{epoch}}.safetensors", "keep-last", "1"}, "keep-last", "field such as {epoch}"},
		{[]string{"validation-split", "0", "monitor", "val_loss"}, "monitor", "--validation-split"},
		{[]string{"validation-split", "0", "checkpoint", "w-{val_accuracy:.2f}.safetensors"}, "checkpoint", "--validation-split"},
		// Names no epoch logs, and templates that cannot be formatted: the
		// monitor was skipped in silence, the template failed after epoch 1.
		{[]string{"monitor", "foo"}, "monitor", "not a metric"},
		{[]string{"checkpoint", strings.Repeat("w", 250) + "-{epoch:03d}.st"}, "checkpoint", "at most 237"},
		// 238 bytes: its temporary's name (.NAME.tmp and 13 digits) is 256.
		{[]string{"checkpoint", strings.Repeat("w", 231) + "-{epoch:03d}.st"}, "checkpoint", "a temporary name 18 bytes longer"},
		{[]string{"checkpoint", strings.Repeat("f", 256) + "/{epoch:03d}.st"}, "checkpoint", "a folder of 256 bytes"},
		// 0 or infinite in float32: nothing trained, exit 0.
		{[]string{"lr", "1e-50"}, "lr", "beyond float32"},
		{[]string{"epsilon", "1e39"}, "epsilon", "beyond float32"},
		{[]string{"optimizer", "adamw", "weight-decay", "1e39"}, "weight-decay", "beyond float32"},
		{[]string{"optimizer", "sgd", "momentum", "1e-40"}, "momentum", "beyond float32"},
		{[]string{"lr-schedule", "step:1:0.9", "reduce-lr-on-plateau", "1"}, "reduce-lr-on-plateau", "undoes each reduction"},
		// Augmentation ranges name their flag (they named Keras's argument).
		{[]string{"zoom", "1"}, "zoom", "zoom_range 1 must be in [0, 1)"},
		{[]string{"rotation", "361"}, "rotation", "more than 360"},
		{[]string{"height-shift", "-1"}, "height-shift", "non-negative"},
		{[]string{"monitor", "val_acc", "early-stopping", "2"}, "monitor", "val_accuracy"},
		{[]string{"checkpoint", "w-{val_acc:.2f}.safetensors"}, "checkpoint", `unknown field "val_acc"`},
		{[]string{"checkpoint", "w-{epoch:zz}.safetensors"}, "checkpoint", "bad format"},
		{[]string{"checkpoint", "w-{epoch.safetensors"}, "checkpoint", "unclosed"},
		{[]string{"validation-split", "0", "checkpoint", "w-{accuracy}-{lr}"}, "checkpoint", `unknown field "lr"`},
		// Without validation images every split trained the same weights.
		{[]string{"validation-split", "0", "split", "random"}, "split", "--validation-split above 0"},
		{[]string{"validation-split", "0", "split", "stratified"}, "split", "--split tail"},
		// A callback's setting where that callback is off: read by nothing.
		{[]string{"reduce-lr-factor", "0.5"}, "reduce-lr-factor", "--reduce-lr-on-plateau"},
		{[]string{"checkpoint", "", "save-best-only", "false"}, "save-best-only", "none are written"},
		{[]string{"checkpoint", "", "checkpoint-period", "2"}, "checkpoint-period", "none are written"},
		{[]string{"checkpoint", "", "monitor", "accuracy"}, "monitor", "none is on"},
		{[]string{"checkpoint", "", "mode", "max"}, "mode", "none is on"},
	} {
		err := configOf(t, c.settings...).Validate()
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != c.flag || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %v, want --%s ... %s", c.settings, err, c.flag, c.says)
		}
	}
	for _, ok := range [][]string{
		{"optimizer", "adamw", "weight-decay", "0"},
		{"optimizer", "sgd", "momentum", "0.9", "nesterov", "true"},
		{"validation-split", "0"},
		{"validation-split", "0.1", "split", "stratified"},
		{"reduce-lr-on-plateau", "2", "reduce-lr-factor", "0.5"},
		{"checkpoint", "", "monitor", "accuracy", "mode", "max", "early-stopping", "2"},
		{"checkpoint", "", "monitor", "val_loss"}, // the default, as a resolved record holds it
		{"validation-split", "0", "monitor", "loss", "early-stopping", "2", "min-delta", "0.01"},
		{"reduce-lr-on-plateau", "2", "min-lr", "1e-5"},
		{"monitor", "accuracy", "checkpoint", "{epoch:03d}-{accuracy:.3f}-{val_loss:e}.safetensors"},
		{"validation-split", "0", "monitor", "accuracy", "checkpoint", "{{x}}{loss:.2f}"},
		{"checkpoint", strings.Repeat("w", 230) + "-{epoch:03d}.st"}, // 237 bytes
	} {
		if err := configOf(t, ok...).Validate(); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

// Setting a value on a copy never changes the original: an optional
// setting's pointer is replaced, not written through.
func TestSetFieldLeavesCopiesAlone(t *testing.T) {
	a := configOf(t, "lr", "0.1")
	b := a
	if err := b.Set("lr", "0.2"); err != nil {
		t.Fatal(err)
	}
	if *a.Optimizer.LR != 0.1 || *b.Optimizer.LR != 0.2 {
		t.Errorf("lr %g and %g, want 0.1 and 0.2", *a.Optimizer.LR, *b.Optimizer.LR)
	}
	if d := Diff(Default(), a); !reflect.DeepEqual(d, []string{"lr: not given vs 0.1"}) {
		t.Errorf("Diff: %q", d)
	}
}

// Settings given beside a run's config.json replace its values by name; the
// defaults it recorded that no longer fit them are filled in anew, and a
// value given now is kept (and refused when it does not apply).
func TestOverrideARecordedConfig(t *testing.T) {
	recorded := configOf(t, "optimizer", "adamw", "lr", "0.01").Resolved()
	over := func(settings ...string) (Config, error) {
		c, err := recorded.Override(func(c *Config) error {
			for i := 0; i+1 < len(settings); i += 2 {
				if err := c.Set(settings[i], settings[i+1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			err = c.Validate()
		}
		return c.Resolved(), err
	}
	for _, c := range []struct {
		settings []string
		want     string // Describe, or the error
	}{
		{nil, "adamw lr=0.01 weight_decay=0.004 epsilon=1e-07"},
		{[]string{"optimizer", "sgd"}, "sgd lr=0.01 momentum=0"},
		{[]string{"optimizer", "sgd", "momentum", "0.9"}, "sgd lr=0.01 momentum=0.9"},
		{[]string{"optimizer", "rmsprop"}, "rmsprop lr=0.01 epsilon=1e-07"},
		{[]string{"optimizer", "sgd", "epsilon", "1e-8"}, "--epsilon does not apply"},
		{[]string{"weight-decay", "0"}, "adamw lr=0.01 weight_decay=0 epsilon=1e-07"},
	} {
		got, err := over(c.settings...)
		if err != nil && !strings.Contains(err.Error(), c.want) || err == nil && got.Optimizer.Describe() != c.want {
			t.Errorf("%v: %s (%v), want %s", c.settings, got.Optimizer.Describe(), err, c.want)
		}
	}
	noVal, err := over("validation-split", "0")
	if err != nil || noVal.Callbacks.Monitor != "loss" || *noVal.Callbacks.Checkpoint != DefaultCheckpoint(false) {
		t.Errorf("without validation data: %v, monitor %q, checkpoint %q", err, noVal.Callbacks.Monitor, *noVal.Callbacks.Checkpoint)
	}
	if _, err := over("validation-split", "0", "monitor", "val_loss"); err == nil {
		t.Error("--monitor val_loss given without validation data was accepted")
	}
	values := configOf(t, "lr-schedule", "values:0.02,0.01").Resolved()
	c, err := values.Override(func(c *Config) error { return c.Set("lr-schedule", "exp:0.9") })
	if err != nil || c.Resolved().Optimizer.Describe() != "adam lr=0.001 epsilon=1e-07" {
		t.Errorf("a values: schedule replaced: %s, %v", c.Resolved().Optimizer.Describe(), err)
	}
}
