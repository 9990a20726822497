package run

import "mnistgpu/engine"

// readInitWeights reads the --init-weights file and checks it against the
// model m before the data is loaded or anything is written: a mistyped path
// or another model's weights failed once MNIST was loaded, with an error
// naming no flag (exit 1).
func readInitWeights(m *engine.Model, path string) (*engine.WeightsFile, error) {
	f, err := engine.ReadWeights(path)
	if err == nil {
		err = m.CheckKerasTensors(path, f.Tensors)
	}
	if err != nil {
		return nil, &ValueError{Flag: "init-weights", Msg: err.Error()}
	}
	return f, nil
}

// CheckInitWeights refuses cfg's --init-weights file as Train does before
// anything is loaded (a file that cannot be read, or holds another model's
// tensors), for a caller that plans runs before training them: a study
// refuses its cells' file before any cell trains, where each cell failed
// with it in turn (exit 1). A network that cannot be built is Train's to
// refuse.
func CheckInitWeights(cfg Config) error {
	if cfg.Model.InitWeights == "" {
		return nil
	}
	m, err := BuildModel(cfg.Model.Name, cfg.Model.Activation)
	if err != nil {
		return nil
	}
	_, err = readInitWeights(m, cfg.Model.InitWeights)
	return err
}
