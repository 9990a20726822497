package run

import (
	"fmt"
	"strings"
)

// unknownKey rewrites encoding/json's refusal of a key a config file does
// not have (`json: unknown field "epoch"`) with the setting it is nearest
// to, by its path in the file: `unknown key "epoch" (did you mean
// "epochs"?)`, `unknown key "lrr" (did you mean "optimizer.lr"?)`. A
// study file's unknown setting was offered the nearest; a --config file's
// was not. Any other error is returned as it is.
func unknownKey(err error) error {
	name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`)
	if !ok || !strings.HasSuffix(name, `"`) {
		return err
	}
	name = strings.TrimSuffix(name, `"`)
	if f, found := Lookup(Closest(name)); found {
		return fmt.Errorf("unknown key %q (did you mean %q?)", name, f.Path)
	}
	return fmt.Errorf("unknown key %q", name)
}
