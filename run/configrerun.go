package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckConfigWeightsPath refuses a rerun from the config.json at file
// (train --config) that would write its final weights where the recorded
// run wrote its own: a --save-weights path outside the run's folder, read
// from the file and not given again now (given). The rerun wrote over the
// first run's weights there, as a state file's such path is never written
// on --resume unless given again (checkStoredWeightsPath). A path that
// holds no file is no run's weights: a hand-written file's
// "save_weights" (README: it may hold one) was refused on its first use,
// naming weights "its run wrote" that no run had written.
func CheckConfigWeightsPath(file string, cfg Config, given bool) error {
	w := cfg.Output.SaveWeights
	if w == "" || given || inside(cfg.Output.Dir, w) {
		return nil
	}
	if _, err := os.Lstat(w); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return &ValueError{Flag: "config", Msg: fmt.Sprintf("%s records --save-weights %s, where its run wrote its final weights: "+
		"give --save-weights %s to write over them, or another path (such as %s)", file, w, w, filepath.Join(cfg.Output.Dir, FinalFile))}
}

// CheckConfigNetwork refuses a rerun from the config.json at file whose
// model file now describes another network than the recorded run trained,
// unless --model or --activation is given again now (given): the rerun
// trained the other network, in silence. The network is the one the state
// beside file records (a config.json elsewhere, or of an earlier version's
// run, is not checked).
func CheckConfigNetwork(file string, cfg Config, given bool) error {
	if given {
		return nil
	}
	s, err := recordedState(filepath.Join(filepath.Dir(file), StateFile))
	if err != nil || s.Network == nil {
		return nil
	}
	m, err := BuildModel(cfg.Model.Name, cfg.Model.Activation)
	if err != nil {
		return nil // Validate reports it
	}
	if d := s.Network.ArchitectureDiff(m.Spec()); d != "" {
		return &ValueError{Flag: "config", Msg: fmt.Sprintf("%s records a run of another network than --model %s describes now (%s, recorded vs now): "+
			"restore the model file, or give --model %s to train what it describes", file, cfg.Model.Name, d, cfg.Model.Name)}
	}
	return nil
}
