package run

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"mnistgpu/engine"
	"mnistgpu/mnist"
)

// OpenBackend opens the device cfg asks for with its options (the
// registry in engine decides: "auto" picks cuda when this build has it and a
// GPU answers, else cpu, and says which on log).
func OpenBackend(cfg Config, log io.Writer) (engine.Backend, error) {
	if _, _, err := engine.ParseDevice(cfg.Device.Name); err != nil {
		return nil, &ValueError{Flag: "device", Msg: err.Error()}
	}
	if cfg.Device.Threads < 0 { // a setting (check --threads -1 was exit 1)
		return nil, &ValueError{Flag: "threads", Msg: fmt.Sprintf("must not be negative, got %d", cfg.Device.Threads)}
	}
	if err := cfg.checkDeviceSettings(); err != nil { // every command opening a device
		return nil, err
	}
	opt := cfg.BackendOptions()
	opt.Threads = capThreads(opt.Threads, log)
	b, err := engine.OpenDevice(cfg.Device.Name, opt, log)
	var setting *engine.SettingError
	if errors.As(err, &setting) {
		return nil, &ValueError{Msg: err.Error()}
	}
	return b, err
}

// LoadData locates MNIST as s says and reports where it came from on log.
func LoadData(s SourceConfig, log io.Writer) (*mnist.Set, error) {
	set, err := mnist.Locate(mnist.Options{Dir: s.Dir, Offline: s.Offline, Verify: !s.NoVerify, Log: log})
	if err != nil {
		return nil, DataDirError(s.Dir, err)
	}
	fmt.Fprintf(log, "MNIST: %d training and %d test images from %s\n", set.Train.Len(), set.Test.Len(), set.From)
	return set, nil
}

// BuildModel builds a preset or model file with its hidden activation
// replaced when activation is not "".
func BuildModel(name, activation string) (*engine.Model, error) {
	return buildModel(engine.LoadModelSpec, name, activation)
}

func buildModel(load func(string) (engine.ModelSpec, error), name, activation string) (*engine.Model, error) {
	modelsBuilt.Add(1)
	spec, err := load(name)
	if err != nil {
		return nil, &ValueError{Flag: "model", Msg: err.Error()}
	}
	if activation != "" {
		if err := CheckHiddenActivation(activation); err != nil {
			return nil, err
		}
		spec = spec.WithHiddenActivation(activation)
	}
	m, err := spec.Build()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	if spec.Name != "" {
		m.Name = spec.Name
	}
	return m, nil
}

// CheckHiddenActivation refuses an activation a hidden layer cannot have.
func CheckHiddenActivation(a string) error {
	if !contains(hiddenActivations, a) {
		return &ValueError{Flag: "activation", Msg: fmt.Sprintf("unknown hidden activation %q (want %s)", a, joinOr(hiddenActivations))}
	}
	return nil
}

// modelsBuilt counts BuildModel's calls (ModelsBuilt).
var modelsBuilt atomic.Int64

// ModelsBuilt is how many models BuildModel has built in this process.
// Building one reads its model file and makes every layer, and a study
// validates and plans each of its cells: tests count with it that each
// model is built once for each of these.
func ModelsBuilt() int64 { return modelsBuilt.Load() }

// LoadTestData is LoadData of the test set alone (evaluate's): the training
// files need not be there, and are neither read nor verified.
func LoadTestData(s SourceConfig, log io.Writer) (*mnist.Set, error) {
	set, err := mnist.Locate(mnist.Options{Dir: s.Dir, Offline: s.Offline, Verify: !s.NoVerify, Log: log, TestOnly: true})
	if err != nil {
		return nil, DataDirError(s.Dir, err)
	}
	fmt.Fprintf(log, "MNIST: %d test images from %s\n", set.Test.Len(), set.From)
	return set, nil
}
