package run

import (
	"encoding/json"
	"errors"
	"fmt"
)

// recordedBeforeUnset reports whether raw (a Config's JSON form) was written
// by a version that stored 0 for "Keras's default" learning rate and
// weight decay. Those versions wrote every optimizer key (momentum,
// nesterov and weight_decay among them) and had no epsilon; a version since
// writes the keys of the hyper-parameters its optimizer reads, so never
// nesterov false, and an epsilon for every optimizer but SGD, which has no
// weight decay. Anything else, a hand-written file included, holds the
// values its writer meant: a 0 there is refused or honoured, never
// replaced by a default (see fromRecord).
func recordedBeforeUnset(raw []byte) bool {
	var c struct {
		Optimizer map[string]json.RawMessage `json:"optimizer"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return false
	}
	o := c.Optimizer
	_, nesterov := o["nesterov"]
	_, weightDecay := o["weight_decay"]
	_, epsilon := o["epsilon"]
	return nesterov && weightDecay && !epsilon
}

// checkFileOptimizer refuses, naming file and the setting's JSON path, an
// optimizer hyper-parameter in a config file that training would refuse as
// a flag (an lr of 0, a momentum for adam): it is checked at once, before
// flags beside the file are applied, so the user learns which file holds it.
func checkFileOptimizer(file string, c Config) error {
	err := c.checkOptimizer()
	var ve *ValueError
	if !errors.As(err, &ve) {
		return err
	}
	name := ve.Flag
	if f, ok := Lookup(ve.Flag); ok {
		name = f.Path
	}
	return &ValueError{Flag: "config", Msg: fmt.Sprintf("%s: %s %s", file, name, ve.Msg)}
}
