package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// trainedFlags are the flags of commands that load trained weights.
func trainedFlags() []cli.Flag {
	return append(append([]cli.Flag{&cli.StringFlag{Name: "weights", Usage: "safetensors weights (Keras layout)"}},
		configFlags(modelGroup, []string{"model", "activation"}, texts{
			"model":      {Default: "the model stored in the weights file"},
			"activation": {Usage: "the hidden layers' activation of --model, for a weights file that stores no model (the stored model's must agree)"},
		})...),
		configFlags(deviceGroup, nil, nil)...)
}

// readTrained reads the --weights file, before anything else is loaded: a
// file that cannot be read (none, a folder, not safetensors) is a bad
// --weights (exit 2), as train's --init-weights is; evaluate refused a
// folder with exit 1 after loading the test set.
func readTrained(c *cli.Context) (*engine.WeightsFile, error) {
	path := c.String("weights")
	if path == "" {
		return nil, usageError("--weights is required")
	}
	wf, err := engine.ReadWeights(path)
	if err != nil {
		return nil, usageError("--weights: %v", strings.TrimPrefix(err.Error(), "weights: "))
	}
	return wf, nil
}

// buildTrained builds the model stored in wf, the --weights file (or the
// one --model and --activation name, which must agree with it), and checks
// that it fits MNIST and that wf holds its parameters, allocating nothing:
// evaluate and predict call it before they read any data, so that a
// --model contradicting the file is refused before the test set is loaded
// (it was refused after).
func buildTrained(c *cli.Context, wf *engine.WeightsFile) (*engine.Model, error) {
	path := wf.Path
	if !wf.Verified {
		fmt.Fprintf(os.Stderr, "note: %s has no checksum (written by an older version or another tool); loaded without verification\n", path)
	}
	spec, err := trainedSpec(c, wf)
	if err != nil {
		return nil, err
	}
	m, err := spec.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if modelGiven(c, wf) {
		err = run.CheckFitsMNIST(m, "model", c.String("model"))
	} else {
		err = run.CheckFitsMNIST(m, "weights", path)
	}
	if err != nil {
		return nil, cliError(err)
	}
	// Before Compile allocates: a file that does not hold this model's
	// parameters cannot make it build a large one. The model is the file's
	// own unless --model gave it (ReadWeights checked a stored one against
	// the tensors), so a mismatch is a refusal of --model's value, exit 2,
	// as --init-weights refuses its file: it was exit 1.
	if err := m.CheckKerasTensors(path, wf.Tensors); err != nil {
		if modelGiven(c, wf) {
			return nil, cliError(&run.ValueError{Flag: "model", Msg: fmt.Sprintf("%s: %s stores no model, and does not hold this one's parameters: %s",
				c.String("model"), path, strings.TrimPrefix(err.Error(), path+": "))})
		}
		return nil, err
	}
	return m, nil
}

// loadTrained compiles m, a model of buildTrained, on the device at batch
// and loads wf's weights into it.
func loadTrained(c *cli.Context, wf *engine.WeightsFile, m *engine.Model, batch int) error {
	be, err := openDevice(c, os.Stderr)
	if err != nil {
		return err
	}
	if err := run.CheckModel(m, "weights", wf.Path, batch, be); err != nil {
		return cliError(err)
	}
	if err := m.Compile(be, run.EvalLoss(m, wf.Meta["loss"]), batch); err != nil {
		return err
	}
	return m.SetKerasTensors(wf.Path, wf.Tensors)
}

// closeModel frees a model of loadTrained and closes its backend.
func closeModel(m *engine.Model) {
	be := m.Backend()
	m.Free()
	engine.Close(be)
}

// modelGiven reports whether --model names the architecture to load wf's
// weights into: typed, or MNISTGPU_MODEL where wf stores no model. The
// variable is a default, train's as evaluate's and predict's (it means
// the same architecture), and the model a weights file stores wins over
// it, as a run's record does (overridesRecord): exported for training, it
// refused evaluating the weights of every other model as a "--model"
// contradicting them.
func modelGiven(c *cli.Context, wf *engine.WeightsFile) bool {
	return onCommandLine(c, "model") || wf.Model == nil && c.IsSet("model") && c.String("model") != ""
}

// trainedSpec is the architecture to load weights into: the one the file
// stores, unless --model/--activation name one (modelGiven); both given
// must agree.
func trainedSpec(c *cli.Context, wf *engine.WeightsFile) (engine.ModelSpec, error) {
	given := modelGiven(c, wf)
	switch {
	case !given && wf.Model == nil: // --activation alone took cnn, or panicked under MNISTGPU_MODEL=""
		return engine.ModelSpec{}, usageError("%s stores no model: pass --model (and --activation) it was trained with", wf.Path)
	case !given && !c.IsSet("activation"):
		return *wf.Model, nil
	}
	cfg, err := bindConfig(c)
	if err != nil {
		return engine.ModelSpec{}, cliError(err)
	}
	if !given {
		cfg.Model.Name = "" // --activation alone: applied to the stored model
	}
	var spec engine.ModelSpec
	if cfg.Model.Name == "" {
		spec = *wf.Model
	} else if spec, err = engine.LoadModelSpec(cfg.Model.Name); err != nil {
		return spec, cliError(&run.ValueError{Flag: "model", Msg: err.Error()}) // named by its variable where that gave it (nameVariables)
	}
	if a := cfg.Model.Activation; a != "" {
		if err := run.CheckHiddenActivation(a); err != nil {
			return spec, cliError(err)
		}
		spec = spec.WithHiddenActivation(a)
	}
	if wf.Model != nil {
		if d := spec.ArchitectureDiff(*wf.Model); d != "" { // the given one first
			var given []string
			if cfg.Model.Name != "" {
				given = append(given, "--model "+cfg.Model.Name)
			}
			if cfg.Model.Activation != "" {
				given = append(given, fmt.Sprintf("--activation %q", cfg.Model.Activation))
			}
			return spec, usageError("%s contradicts the model stored in %s (given vs the file's: %s); leave it out to use the stored one",
				strings.Join(given, " "), wf.Path, d)
		}
	}
	return spec, nil
}
