// Package run is one training run: its typed configuration (Config), the
// table of its settings that the CLI binds flags from and a study applies
// axis values to (fields.go), and the wiring that trains, checkpoints,
// resumes and evaluates it (train.go). A run's folder holds its Config as
// JSON inside state.safetensors, so a resume needs nothing else.
package run

import (
	"fmt"
	"strings"

	"mnistgpu/engine"
)

// Config says everything about a training run. Each leaf field carries its
// flag name, usage and (where it has one) environment variable; the CLI
// builds every command's flags from these tags (see Fields). A field tagged
// resume:"ok" may be given again when a run is resumed; any other field
// given with --resume must keep its recorded value. One tagged
// machine:"yes" is the machine's (see Field.Machine); one tagged
// clear:"ok" may be cleared with "" beside --config (Field.Clearable).
type Config struct {
	Model     ModelConfig     `json:"model"`
	Epochs    int             `json:"epochs" flag:"epochs" env:"MNISTGPU_EPOCHS" resume:"ok" usage:"epochs to train (the report used 100)"`
	BatchSize int             `json:"batch_size" flag:"batch-size" keras:"batch_size" env:"MNISTGPU_BATCH_SIZE" usage:"samples per step"`
	Seed      uint64          `json:"seed" flag:"seed" env:"MNISTGPU_SEED" usage:"seed for weights, dropout, shuffling, augmentation and the random and stratified validation splits; a CPU run is repeatable bit for bit"`
	MaxSteps  int             `json:"max_steps" flag:"max-steps" resume:"ok" usage:"stop after this many optimizer steps in all (0: no limit); with --resume, a larger budget continues a run it stopped"`
	Optimizer OptimizerConfig `json:"optimizer"`
	Callbacks CallbackConfig  `json:"callbacks"`
	Augment   AugmentConfig   `json:"augmentation"`
	Data      DataConfig      `json:"data"`
	Source    SourceConfig    `json:"source"`
	Device    DeviceConfig    `json:"device"`
	Output    OutputConfig    `json:"output"`
}

// ModelConfig is the architecture and loss.
type ModelConfig struct {
	Name        string `json:"name" flag:"model" env:"MNISTGPU_MODEL" usage:"preset (cnn, mlp, mlp2) or a JSON model file"`
	Activation  string `json:"activation" flag:"activation" clear:"ok" usage:"replace the hidden layers' activation (relu, sigmoid, tanh, leaky_relu, linear)"`
	Loss        string `json:"loss" flag:"loss" usage:"categorical_crossentropy or binary_crossentropy"`
	InitWeights string `json:"init_weights" flag:"init-weights" clear:"ok" usage:"start from these weights (safetensors, Keras layout)"`
}

// OptimizerConfig is the optimizer and its learning-rate schedule. A nil
// hyper-parameter was not given: Resolved fills in Keras's value for the
// optimizer, and leaves nil those the optimizer does not read (Validate
// refuses them when given), so a resolved Config says what ran.
type OptimizerConfig struct {
	Name        string   `json:"name" flag:"optimizer" usage:"adam, sgd, rmsprop (Keras 2's forms), adamw or adagrad (tf.keras's: Keras 2 has no AdamW, and its Adagrad starts at lr 0.01 from zero accumulators)"`
	LR          *float64 `json:"lr,omitempty" flag:"lr" keras:"learning_rate" default:"Keras's for the optimizer (tf.keras's for adamw and adagrad): 0.001, sgd 0.01; the report used adam 0.01" usage:"learning rate"`
	Momentum    *float64 `json:"momentum,omitempty" flag:"momentum" default:"0" usage:"SGD momentum (sgd only)"`
	Nesterov    bool     `json:"nesterov,omitempty" flag:"nesterov" usage:"SGD with Nesterov momentum (sgd with --momentum only)"`
	WeightDecay *float64 `json:"weight_decay,omitempty" flag:"weight-decay" keras:"weight_decay" default:"0.004" usage:"AdamW's decoupled weight decay (adamw only)"`
	Epsilon     *float64 `json:"epsilon,omitempty" flag:"epsilon" keras:"epsilon" default:"1e-07" usage:"ε of adam, adamw, rmsprop and adagrad (not sgd)"`
	Schedule    string   `json:"lr_schedule" flag:"lr-schedule" clear:"ok" usage:"per-epoch learning rate: step:EVERY:FACTOR, exp:RATE, cosine[:WARMUP[:MIN_LR]] (Keras's CosineDecay) or values:LR1,LR2,..."`
}

// CallbackConfig is ModelCheckpoint, EarlyStopping and ReduceLROnPlateau.
type CallbackConfig struct {
	Checkpoint         *string `json:"checkpoint,omitempty" flag:"checkpoint" default:"weights0.{epoch:02d}-{val_loss:.2f}.safetensors ({loss:.2f} without validation data)" usage:"checkpoint file name template (Keras syntax), inside --out; empty to disable"`
	Monitor            string  `json:"monitor" flag:"monitor" default:"val_loss (loss without validation data)" usage:"metric for checkpoints, early stopping and --reduce-lr-on-plateau"`
	Mode               string  `json:"mode" flag:"mode" usage:"auto, min or max for --monitor"`
	SaveBestOnly       bool    `json:"save_best_only" flag:"save-best-only" usage:"checkpoint only when --monitor improves"`
	CheckpointPeriod   int     `json:"checkpoint_period" flag:"checkpoint-period" usage:"write checkpoints every N epochs"`
	KeepLast           int     `json:"keep_last" flag:"keep-last" usage:"keep only the newest N checkpoint files (0: all)"`
	EarlyStopping      int     `json:"early_stopping" flag:"early-stopping" usage:"stop after this many epochs without improvement of --monitor (0: off)"`
	MinDelta           float64 `json:"min_delta" flag:"min-delta" usage:"smallest change of --monitor that counts as an improvement (early stopping)"`
	RestoreBestWeights bool    `json:"restore_best_weights" flag:"restore-best-weights" usage:"early stopping: end with the best epoch's weights when it stops the run (Keras 2's: not when the epochs or --max-steps end it)"`
	ReduceLROnPlateau  int     `json:"reduce_lr_on_plateau" flag:"reduce-lr-on-plateau" usage:"multiply the rate by --reduce-lr-factor after this many epochs without improvement of --monitor (0: off)"`
	ReduceLRFactor     float64 `json:"reduce_lr_factor" flag:"reduce-lr-factor" usage:"factor for --reduce-lr-on-plateau"`
	MinLR              float64 `json:"min_lr" flag:"min-lr" usage:"lower bound for --reduce-lr-on-plateau"`
}

// AugmentConfig is Keras's ImageDataGenerator, seeded by Config.Seed.
type AugmentConfig struct {
	Rotation    float64 `json:"rotation" flag:"rotation" usage:"augmentation: random rotation range in degrees"`
	WidthShift  float64 `json:"width_shift" flag:"width-shift" usage:"augmentation: random horizontal shift (fraction of the width if < 1, else pixels)"`
	HeightShift float64 `json:"height_shift" flag:"height-shift" usage:"augmentation: random vertical shift (fraction or pixels)"`
	Zoom        float64 `json:"zoom" flag:"zoom" usage:"augmentation: random zoom range (zoom in [1-z, 1+z])"`
}

// DataConfig is how the training set is split and ordered.
type DataConfig struct {
	ValidationSplit float64 `json:"validation_split" flag:"validation-split" keras:"validation_split" usage:"fraction of the training set held out for validation"`
	Split           string  `json:"split" flag:"split" usage:"tail (Keras: the last fraction), random or stratified"`
	Shuffle         bool    `json:"shuffle" flag:"shuffle" usage:"reshuffle the training order every epoch"`
	TrainLimit      int     `json:"train_limit" flag:"train-limit" usage:"use only the first N training images (0: all)"`
	// SplitRule is how a stratified split counted what it held out: a
	// record, not a setting (splitrule.go).
	SplitRule string `json:"split_rule,omitempty" flag:"-"`
}

// SourceConfig is where MNIST is read from; it may differ between a run and
// its resume (the same files, found elsewhere).
type SourceConfig struct {
	Dir      string `json:"dir" flag:"data-dir" env:"MNISTGPU_DATA" resume:"ok" machine:"yes" default:"the user cache, then the GoMNIST Go module, then a download" usage:"folder with the four MNIST IDX files"`
	Offline  bool   `json:"offline" flag:"offline" env:"MNISTGPU_OFFLINE" resume:"ok" machine:"yes" usage:"never download MNIST"`
	NoVerify bool   `json:"no_verify" flag:"no-verify" resume:"ok" usage:"accept IDX files whose SHA-256 is not the canonical one (a subset)"`
}

// DeviceConfig is the backend and its options.
type DeviceConfig struct {
	Name    string `json:"name" flag:"device" env:"MNISTGPU_DEVICE" resume:"ok" machine:"yes" usage:"cpu, cuda, cuda:N (GPU N), or auto (cuda when a driver and a GPU answer, else cpu, saying why)"`
	TF32    bool   `json:"tf32" flag:"tf32" env:"MNISTGPU_TF32" resume:"ok" machine:"yes" usage:"cuda: allow TensorFloat-32 maths in cuBLAS, cuDNN and the own convolution kernels (tensor cores; faster on Ampere and newer, ~1e-3 relative error); off is parity mode"`
	Threads int    `json:"threads" flag:"threads" env:"MNISTGPU_THREADS" resume:"ok" machine:"yes" default:"GOMAXPROCS" usage:"cpu: worker threads (results do not depend on it; at most 4 per CPU)"`
}

// OutputConfig is where a run writes.
type OutputConfig struct {
	Dir         string `json:"dir" flag:"out" env:"MNISTGPU_OUT" study:"no" usage:"folder for checkpoints, history, state and the final weights"`
	SaveWeights string `json:"save_weights" flag:"save-weights" clear:"ok" study:"no" default:"<out>/final.safetensors" usage:"write the final weights here"`

	SaveEverySteps int `json:"save_every_steps,omitempty" flag:"save-every-steps" resume:"ok" usage:"also save the state every N optimizer steps within an epoch (Keras BackupAndRestore's save_freq): a killed run loses at most N steps (0: at epoch ends and stops only)"`
}

// Default is a new run with the report's CNN, Adam at its Keras default
// rate, batch 64 and validation_split 0.2, as `mnistgpu train` runs with no
// flags. The settings whose default depends on others (the optimizer's
// hyper-parameters, the monitor and the checkpoint name) are left unset:
// see Resolved.
func Default() Config {
	return Config{
		Model:     ModelConfig{Name: "cnn", Loss: "categorical_crossentropy"},
		Epochs:    3,
		BatchSize: 64,
		Seed:      1,
		Optimizer: OptimizerConfig{Name: "adam"},
		Callbacks: CallbackConfig{Mode: "auto", SaveBestOnly: true, CheckpointPeriod: 1, ReduceLRFactor: 0.1},
		Data:      DataConfig{ValidationSplit: 0.2, Split: engine.SplitTail, Shuffle: true},
		Device:    DeviceConfig{Name: "cpu"},
		Output:    OutputConfig{Dir: "runs/latest"},
	}
}

// hiddenActivations are the activations a hidden layer may be given.
var hiddenActivations = []string{"relu", "sigmoid", "tanh", "leaky_relu", "linear"}

// Validate checks every value, naming the setting by its flag.
func (c Config) Validate() error { return c.validate(false) }

// validate is Validate; recorded: of a run recorded before, whose model
// file is read as it was then (recordedmodelfile.go) and whose checkpoint
// template is formatted so (recordedtemplate.go).
func (c Config) validate(recorded bool) error {
	bad := func(flag, format string, a ...any) error {
		return &ValueError{Flag: flag, Msg: fmt.Sprintf(format, a...)}
	}
	if err := c.checkFinite(); err != nil {
		return err
	}
	switch {
	case c.Epochs < 1:
		return bad("epochs", "must be at least 1, got %d", c.Epochs)
	case c.BatchSize < 1:
		return bad("batch-size", "must be at least 1, got %d", c.BatchSize)
	case c.MaxSteps < 0:
		return bad("max-steps", "must not be negative, got %d", c.MaxSteps)
	case c.Data.TrainLimit < 0:
		return bad("train-limit", "must not be negative, got %d", c.Data.TrainLimit)
	case !(c.Data.ValidationSplit >= 0 && c.Data.ValidationSplit < 1):
		return bad("validation-split", "must be in [0, 1), got %g", c.Data.ValidationSplit)
	case c.Callbacks.CheckpointPeriod < 1:
		return bad("checkpoint-period", "must be at least 1, got %d", c.Callbacks.CheckpointPeriod)
	case c.Callbacks.KeepLast < 0:
		return bad("keep-last", "must not be negative, got %d", c.Callbacks.KeepLast)
	case c.Callbacks.ReduceLROnPlateau < 0:
		return bad("reduce-lr-on-plateau", "must not be negative, got %d", c.Callbacks.ReduceLROnPlateau)
	case c.Callbacks.EarlyStopping < 0:
		return bad("early-stopping", "must not be negative, got %d", c.Callbacks.EarlyStopping)
	case !(c.Callbacks.ReduceLRFactor > 0 && c.Callbacks.ReduceLRFactor < 1):
		return bad("reduce-lr-factor", "must be in (0, 1), got %g", c.Callbacks.ReduceLRFactor)
	case c.Callbacks.MinLR < 0:
		return bad("min-lr", "must not be negative, got %g", c.Callbacks.MinLR)
	case c.Callbacks.MinDelta < 0:
		return bad("min-delta", "must not be negative, got %g", c.Callbacks.MinDelta)
	case c.Device.Threads < 0:
		return bad("threads", "must not be negative, got %d", c.Device.Threads)
	}
	switch c.Data.Split {
	case engine.SplitTail, engine.SplitRandom, engine.SplitStratified:
	default:
		return bad("split", "must be tail, random or stratified, got %q", c.Data.Split)
	}
	if err := c.Data.checkSplitRule(); err != nil {
		return err
	}
	switch c.Callbacks.Mode {
	case "auto", "min", "max":
	default:
		return bad("mode", "must be auto, min or max, got %q", c.Callbacks.Mode)
	}
	if _, err := engine.ParseLoss(c.Model.Loss); err != nil {
		return bad("loss", "%v", err)
	}
	if a := c.Model.Activation; a != "" {
		if err := CheckHiddenActivation(a); err != nil {
			return err
		}
	}
	if err := c.checkOptimizer(); err != nil {
		return err
	}
	if err := c.checkApplies(); err != nil {
		return err
	}
	if err := c.checkMetricNames(recorded); err != nil {
		return err
	}
	if c.Optimizer.Schedule != "" {
		initial := 0.001
		if lr := c.Resolved().Optimizer.LR; lr != nil {
			initial = *lr // the rate the schedule starts from (--lr or the optimizer's default)
		}
		if _, err := engine.ParseSchedule(c.Optimizer.Schedule, initial, c.Epochs); err != nil {
			return bad("lr-schedule", "%v", err)
		}
	}
	// Each range on its own, so that the error names its flag.
	a := c.Augment
	for _, r := range []struct {
		flag string
		one  engine.Augmentation
	}{{"rotation", engine.Augmentation{Rotation: a.Rotation}}, {"width-shift", engine.Augmentation{WidthShift: a.WidthShift}},
		{"height-shift", engine.Augmentation{HeightShift: a.HeightShift}}, {"zoom", engine.Augmentation{Zoom: a.Zoom}}} {
		if err := r.one.Validate(); err != nil {
			return bad(r.flag, "%v", err)
		}
	}
	if _, _, err := engine.ParseDevice(c.Device.Name); err != nil {
		return bad("device", "%v", err)
	}
	if err := c.checkDeviceSettings(); err != nil {
		return err
	}
	load := engine.LoadModelSpec
	if recorded {
		load = engine.LoadRecordedModelSpec
	}
	if _, err := load(c.Model.Name); err != nil {
		return bad("model", "%v", err)
	}
	if err := CheckActivationApplies(c.Model.Name, c.Model.Activation); err != nil {
		return err
	}
	return c.checkModel(recorded)
}

// ValueError is a setting with a bad value.
type ValueError struct {
	Flag, Msg string
	// NotApplied: the value is refused because the rest of the settings
	// leave it without effect (checkApplies, checkOptimizer's "applies
	// only"), not for itself: a study cell whose axis values do that goes
	// without it.
	NotApplied bool
}

func (e *ValueError) Error() string {
	if e.Flag == "" {
		return e.Msg
	}
	return "--" + e.Flag + " " + e.Msg
}

// joinOr writes "a, b or c".
func joinOr(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// optimizer makes the optimizer of c's resolved settings.
func (c Config) optimizer() (engine.Optimizer, error) {
	o := c.Resolved().Optimizer
	val := func(p *float64) float64 {
		if p == nil {
			return 0 // not read by this optimizer
		}
		return *p
	}
	return engine.NewOptimizerFromConfig(engine.OptimizerConfig{Name: o.Name, LR: val(o.LR), Momentum: val(o.Momentum),
		Nesterov: o.Nesterov, WeightDecay: val(o.WeightDecay), Epsilon: val(o.Epsilon)})
}

func (c Config) augmentation() *engine.Augmentation {
	a := c.Augment
	return &engine.Augmentation{Rotation: a.Rotation, WidthShift: a.WidthShift, HeightShift: a.HeightShift, Zoom: a.Zoom, Seed: c.Seed}
}

// BackendOptions are the device options of c for engine.OpenDevice (which
// sets the device index from the device string).
func (c Config) BackendOptions() engine.Options {
	return engine.Options{TF32: c.Device.TF32, Threads: c.Device.Threads}
}
