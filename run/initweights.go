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
