package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/study"
)

func trainCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "model", Value: "cnn", EnvVars: []string{"MNISTGPU_MODEL"}, Usage: "preset (cnn, mlp, mlp2) or a JSON model file"},
		&cli.IntFlag{Name: "epochs", Value: 3, EnvVars: []string{"MNISTGPU_EPOCHS"}, Usage: "epochs to train (the report used 100)"},
		&cli.IntFlag{Name: "batch-size", Value: 64, EnvVars: []string{"MNISTGPU_BATCH_SIZE"}, Usage: "samples per step"},
		&cli.Float64Flag{Name: "lr", Usage: "learning rate (default: the optimizer's Keras default, adam 0.001, sgd 0.01; the report used adam 0.01)"},
		&cli.StringFlag{Name: "optimizer", Value: "adam", Usage: "adam, sgd, adamw, rmsprop or adagrad (Keras forms)"},
		&cli.Float64Flag{Name: "weight-decay", Usage: "AdamW's decoupled weight decay (default 0.004)"},
		&cli.StringFlag{Name: "lr-schedule", Usage: "per-epoch learning rate: step:EVERY:FACTOR, exp:RATE, cosine[:WARMUP[:MIN_LR]] or values:LR1,LR2,..."},
		&cli.IntFlag{Name: "reduce-lr-on-plateau", Usage: "multiply the rate by --reduce-lr-factor after this many epochs without improvement of --monitor (0: off)"},
		&cli.Float64Flag{Name: "reduce-lr-factor", Value: 0.1, Usage: "factor for --reduce-lr-on-plateau"},
		&cli.Float64Flag{Name: "min-lr", Usage: "lower bound for --reduce-lr-on-plateau"},
		&cli.Float64Flag{Name: "rotation", Usage: "augmentation: random rotation range in degrees"},
		&cli.Float64Flag{Name: "width-shift", Usage: "augmentation: random horizontal shift (fraction of the width if < 1, else pixels)"},
		&cli.Float64Flag{Name: "height-shift", Usage: "augmentation: random vertical shift (fraction or pixels)"},
		&cli.Float64Flag{Name: "zoom", Usage: "augmentation: random zoom range (zoom in [1-z, 1+z])"},
		&cli.Float64Flag{Name: "momentum", Usage: "SGD momentum"},
		&cli.BoolFlag{Name: "nesterov", Usage: "SGD with Nesterov momentum"},
		&cli.StringFlag{Name: "activation", Usage: "replace the hidden layers' activation (relu, sigmoid, tanh, leaky_relu)"},
		&cli.StringFlag{Name: "loss", Value: "categorical_crossentropy", Usage: "categorical_crossentropy or binary_crossentropy"},
		deviceFlag(), tf32Flag(),
		&cli.Uint64Flag{Name: "seed", Value: 1, EnvVars: []string{"MNISTGPU_SEED"}, Usage: "seed for weights, shuffling and dropout; a CPU run is repeatable bit for bit"},
		&cli.Float64Flag{Name: "validation-split", Value: 0.2, Usage: "fraction of the training set held out for validation"},
		&cli.StringFlag{Name: "split", Value: "tail", Usage: "tail (Keras: the last fraction), random or stratified"},
		&cli.BoolFlag{Name: "shuffle", Value: true, Usage: "reshuffle the training order every epoch"},
		&cli.IntFlag{Name: "max-steps", Usage: "stop after this many optimizer steps (0: no limit)"},
		&cli.IntFlag{Name: "train-limit", Usage: "use only the first N training images (0: all)"},
		&cli.StringFlag{Name: "out", Value: "runs/latest", EnvVars: []string{"MNISTGPU_OUT"}, Usage: "folder for checkpoints and history"},
		&cli.StringFlag{Name: "checkpoint", Value: "weights0.{epoch:02d}-{val_loss:.2f}.safetensors", Usage: "checkpoint file name template (Keras syntax), inside --out; empty to disable"},
		&cli.StringFlag{Name: "monitor", Value: "val_loss", Usage: "metric for checkpoints and early stopping"},
		&cli.StringFlag{Name: "mode", Value: "auto", Usage: "auto, min or max for --monitor"},
		&cli.BoolFlag{Name: "save-best-only", Value: true, Usage: "checkpoint only when --monitor improves"},
		&cli.IntFlag{Name: "early-stopping", Usage: "stop after this many epochs without improvement of --monitor (0: off)"},
		&cli.Float64Flag{Name: "min-delta", Usage: "smallest change of --monitor that counts as an improvement (early stopping)"},
		&cli.BoolFlag{Name: "restore-best-weights", Usage: "early stopping: end with the best epoch's weights"},
		&cli.IntFlag{Name: "checkpoint-period", Value: 1, Usage: "write checkpoints every N epochs"},
		&cli.IntFlag{Name: "keep-last", Usage: "keep only the newest N checkpoint files (0: all)"},
		&cli.StringFlag{Name: "init-weights", Usage: "start from these weights (safetensors, Keras layout)"},
		&cli.StringFlag{Name: "save-weights", Usage: "write the final weights here (default: <out>/final.safetensors)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "one line per epoch, no progress bar"},
		&cli.StringFlag{Name: "resume", Usage: "continue the run whose --out folder this is, from its last completed epoch (with the same settings; --epochs may extend it)"},
		&cli.StringFlag{Name: "resume-state", Hidden: true},
	}
	return &cli.Command{
		Name:   "train",
		Usage:  "train a model (default: the report's CNN with Adam, batch 64, validation_split 0.2)",
		Flags:  append(flags, dataFlags()...),
		Action: runTrain,
	}
}

// stateFile is the training checkpoint inside a run's --out folder.
const stateFile = "state.safetensors"

// notRecorded are the flags a resumed run does not take from the original.
var notRecorded = map[string]bool{"resume": true, "resume-state": true, "out": true, "quiet": true, "epochs": true}

// resumeRun re-runs `train` with the settings recorded in dir's state file.
func resumeRun(c *cli.Context, dir string) error {
	path := filepath.Join(dir, stateFile)
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		return err
	}
	var cfg struct {
		Args   []string `json:"args"`
		Epochs int      `json:"epochs"`
	}
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		return fmt.Errorf("%s: bad run settings: %w", path, err)
	}
	epochs := cfg.Epochs
	if c.IsSet("epochs") {
		epochs = c.Int("epochs")
	}
	args := append([]string{"mnistgpu", "train"}, cfg.Args...)
	args = append(args, "--out", dir, "--epochs", fmt.Sprint(epochs), "--resume-state", path)
	if c.Bool("quiet") {
		args = append(args, "--quiet")
	}
	fmt.Fprintf(os.Stderr, "resuming %s at epoch %d of %d (step %d)\n", dir, ck.NextEpoch+1, epochs, ck.Step)
	return newApp().Run(args)
}

func runTrain(c *cli.Context) error {
	if dir := c.String("resume"); dir != "" {
		return resumeRun(c, dir)
	}
	log := os.Stderr
	epochs, batch := c.Int("epochs"), c.Int("batch-size")
	switch {
	case epochs < 1:
		return usageError("--epochs must be at least 1, got %d", epochs)
	case batch < 1:
		return usageError("--batch-size must be at least 1, got %d", batch)
	case c.IsSet("lr") && !(c.Float64("lr") > 0) || math.IsInf(c.Float64("lr"), 0):
		return usageError("--lr must be a positive number, got %g", c.Float64("lr"))
	case c.Float64("validation-split") < 0 || c.Float64("validation-split") >= 1:
		return usageError("--validation-split must be in [0, 1), got %g", c.Float64("validation-split"))
	case c.Int("max-steps") < 0 || c.Int("train-limit") < 0:
		return usageError("--max-steps and --train-limit must not be negative")
	}
	loss, err := engine.ParseLoss(c.String("loss"))
	if err != nil {
		return usageError("--loss: %v", err)
	}
	opt, err := engine.NewOptimizerFromConfig(engine.OptimizerConfig{Name: c.String("optimizer"), LR: c.Float64("lr"),
		Momentum: c.Float64("momentum"), Nesterov: c.Bool("nesterov"), WeightDecay: c.Float64("weight-decay")})
	if err != nil {
		return usageError("%v", err)
	}
	aug := &engine.Augmentation{Rotation: c.Float64("rotation"), WidthShift: c.Float64("width-shift"),
		HeightShift: c.Float64("height-shift"), Zoom: c.Float64("zoom"), Seed: c.Uint64("seed")}
	if err := aug.Validate(); err != nil {
		return usageError("%v", err)
	}
	if c.Int("checkpoint-period") < 1 || c.Int("keep-last") < 0 || c.Int("reduce-lr-on-plateau") < 0 || c.Int("early-stopping") < 0 {
		return usageError("--checkpoint-period must be at least 1; --keep-last, --reduce-lr-on-plateau and --early-stopping not negative")
	}
	var schedule engine.Schedule
	if spec := c.String("lr-schedule"); spec != "" {
		if schedule, err = engine.ParseSchedule(spec, opt.LearningRate(), epochs); err != nil {
			return usageError("--lr-schedule: %v", err)
		}
	}
	switch c.String("split") {
	case engine.SplitTail, engine.SplitRandom, engine.SplitStratified:
	default:
		return usageError("--split must be tail, random or stratified, got %q", c.String("split"))
	}
	m, err := buildModel(c.String("model"), c.String("activation"))
	if err != nil {
		return err
	}
	be, err := openDevice(c, log)
	if err != nil {
		return err
	}
	out := c.String("out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if err := checkWritable(out); err != nil {
		return err
	}
	data, err := loadData(c, log)
	if err != nil {
		return err
	}
	full := data.Train.Head(c.Int("train-limit"))
	seed := c.Uint64("seed")
	train, val, err := engine.SplitValidation(full, c.Float64("validation-split"), c.String("split"), seed)
	if err != nil {
		return usageError("%v", err)
	}
	if err := m.Compile(be, loss, batch); err != nil {
		return err
	}
	m.Init(seed)
	if p := c.String("init-weights"); p != "" {
		if err := m.LoadWeights(p); err != nil {
			return err
		}
	}
	var resume *engine.TrainCheckpoint
	if p := c.String("resume-state"); p != "" {
		if resume, err = engine.LoadTrainCheckpoint(p); err != nil {
			return err
		}
		if len(resume.Weights) != m.NumParams() {
			return fmt.Errorf("%s: %d weights, the model has %d", p, len(resume.Weights), m.NumParams())
		}
		m.SetHostWeights(resume.Weights)
		m.SetSteps(resume.Step)
		so, ok := opt.(engine.StatefulOptimizer)
		if !ok {
			return fmt.Errorf("optimizer %s cannot resume", opt.Name())
		}
		if err := so.ImportState(be, m.NumParams(), resume.Optimizer); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	fmt.Fprintf(log, "%s on %s: %d parameters, %s lr=%g, batch %d, %d training / %d validation images\n",
		m.Name, be.Describe(), m.NumParams(), opt.Name(), opt.LearningRate(), batch, train.Len(), val.Len())

	var callbacks []engine.Callback
	var ckpt *engine.ModelCheckpoint
	if t := c.String("checkpoint"); t != "" {
		ckpt = &engine.ModelCheckpoint{Path: filepath.Join(out, t), Monitor: c.String("monitor"), Mode: c.String("mode"),
			SaveBestOnly: c.Bool("save-best-only"), Period: c.Int("checkpoint-period"), KeepLast: c.Int("keep-last"), Log: io.Discard}
		callbacks = append(callbacks, ckpt)
	}
	if schedule != nil {
		callbacks = append(callbacks, &engine.LearningRateScheduler{Schedule: schedule})
	}
	if p := c.Int("reduce-lr-on-plateau"); p > 0 {
		callbacks = append(callbacks, &engine.ReduceLROnPlateau{Monitor: c.String("monitor"), Mode: c.String("mode"),
			Factor: c.Float64("reduce-lr-factor"), Patience: p, MinDelta: 1e-4, MinLR: c.Float64("min-lr"), Log: log})
	}
	if p := c.Int("early-stopping"); p > 0 {
		callbacks = append(callbacks, &engine.EarlyStopping{Monitor: c.String("monitor"), Mode: c.String("mode"), Patience: p,
			MinDelta: c.Float64("min-delta"), RestoreBestWeights: c.Bool("restore-best-weights"), Log: log})
	}
	fit := engine.FitConfig{
		Epochs: epochs, BatchSize: batch, Shuffle: c.Bool("shuffle"), Seed: seed,
		MaxSteps: c.Int("max-steps"), Callbacks: callbacks, Progress: newBar(log, c.Bool("quiet"), simulated(be), batch), Augment: aug,
	}
	if be.Name() != "cpu" {
		// On a GPU: the data set lives on the device and the loss is read
		// (a host sync) every 50 steps, not every step.
		fit.Resident, fit.CheckEvery = true, 50
	}
	fit.NoTiming = simulated(be)
	if resume != nil {
		fit.InitialEpoch = resume.NextEpoch
		if fit.History, err = engine.ReadHistoryJSON(c.String("resume-state"), bytes.NewReader(resume.History)); err != nil {
			return err
		}
		for _, cb := range callbacks {
			if sc, ok := cb.(engine.StatefulCallback); ok {
				if s, ok := resume.Callbacks[sc.StateKey()]; ok {
					sc.SetCallbackState(s)
				}
			}
		}
		if ckpt != nil {
			ckpt.RestoreBest(fit.History)
		}
	}
	runConfig, err := json.Marshal(map[string]any{"args": setFlags(c, notRecorded), "epochs": epochs})
	if err != nil {
		return err
	}
	statePath := filepath.Join(out, stateFile)
	fit.AfterEpoch = func(st *engine.TrainState, epoch int) error {
		if err := writeHistory(out, st.History); err != nil {
			return err
		}
		var hist bytes.Buffer
		if err := st.History.WriteJSON(&hist); err != nil {
			return err
		}
		ck := &engine.TrainCheckpoint{NextEpoch: epoch + 1, Step: m.Steps(), History: hist.Bytes(), Config: runConfig,
			Weights: m.HostWeights(), Callbacks: map[string]map[string]float64{}}
		if so, ok := opt.(engine.StatefulOptimizer); ok {
			ck.Optimizer = so.ExportState(be)
		}
		for _, cb := range callbacks {
			if sc, ok := cb.(engine.StatefulCallback); ok {
				ck.Callbacks[sc.StateKey()] = sc.CallbackState()
			}
		}
		return ck.Save(statePath)
	}
	start := time.Now()
	hist, fitErr := engine.Fit(m, opt, train, val, fit)
	if hist != nil && len(hist.Logs) > 0 {
		if err := writeHistory(out, hist); err != nil {
			return err
		}
	}
	var nf *engine.NonFiniteError
	if errors.As(fitErr, &nf) {
		return fmt.Errorf("%w; the last good state is %s (resume with --resume %s)", fitErr, statePath, out)
	}
	if fitErr != nil {
		return fitErr
	}
	final := c.String("save-weights")
	if final == "" {
		final = filepath.Join(out, "final.safetensors")
	}
	if err := m.SaveWeights(final, nil); err != nil {
		return err
	}
	testLoss, testAcc := engine.Evaluate(m, data.Test, batch)
	result := study.Result{FinalTestLoss: testLoss, FinalTestAcc: testAcc}
	took := fmt.Sprintf("in %.1fs", time.Since(start).Seconds())
	if simulated(be) {
		took = "(cuda-sim: no timing)"
	}
	fmt.Printf("\nTrained %d epochs (%d this run) %s on %s.\n", len(hist.Logs), len(hist.Logs)-fit.InitialEpoch, took, be.Name())
	fmt.Printf("final weights:   %s  test loss %.4f  test accuracy %.4f\n", final, testLoss, testAcc)
	if ckpt != nil && ckpt.Best != "" && ckpt.SaveBestOnly {
		if err := m.LoadWeights(ckpt.Best); err != nil {
			return err
		}
		bl, ba := engine.Evaluate(m, data.Test, batch)
		result.BestCheckpoint, result.BestMonitor, result.BestValue = filepath.Base(ckpt.Best), ckpt.Monitor, ckpt.BestValue()
		result.BestTestLoss, result.BestTestAccuracy = bl, ba
		fmt.Printf("best checkpoint: %s  (%s %.4f)  test loss %.4f  test accuracy %.4f\n", ckpt.Best, ckpt.Monitor, ckpt.BestValue(), bl, ba)
	}
	fmt.Printf("history:         %s, %s\n", filepath.Join(out, "history.csv"), filepath.Join(out, "history.json"))
	result.Epochs, result.Seconds = len(hist.Logs), time.Since(start).Seconds()
	if simulated(be) {
		result.Seconds = 0 // the stand-in's time is no figure of a GPU
	}
	raw, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return err
	}
	// Written last: its presence tells a study that this run is complete.
	return engine.WriteFileAtomic(filepath.Join(out, study.ResultFile), func(w io.Writer) error { _, err := w.Write(raw); return err })
}

// checkWritable fails early, before any training, when out cannot take files.
func checkWritable(out string) error {
	f, err := os.CreateTemp(out, ".write-test*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", out, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func writeHistory(out string, h *engine.History) error {
	if err := engine.WriteFileAtomic(filepath.Join(out, "history.csv"), h.WriteCSV); err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(out, "history.json"), h.WriteJSON)
}
