package run

import (
	"fmt"
	"path/filepath"
)

// CheckConfigWeightsPath refuses a rerun from the config.json at file
// (train --config) that would write its final weights where the recorded
// run wrote its own: a --save-weights path outside the run's folder, read
// from the file and not given again now (given). The rerun wrote over the
// first run's weights there, as a state file's such path is never written
// on --resume unless given again (checkStoredWeightsPath).
func CheckConfigWeightsPath(file string, cfg Config, given bool) error {
	w := cfg.Output.SaveWeights
	if w == "" || given || inside(cfg.Output.Dir, w) {
		return nil
	}
	return &ValueError{Flag: "config", Msg: fmt.Sprintf("%s records --save-weights %s, where its run wrote its final weights: "+
		"give --save-weights %s to write over them, or another path (such as %s)", file, w, w, filepath.Join(cfg.Output.Dir, FinalFile))}
}
