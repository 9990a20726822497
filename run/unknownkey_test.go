package run

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConfigFileUnknownKeyOffersTheNearest: a --config file's unknown key
// was refused as `json: unknown field "epoch"`; it offers the setting it
// is nearest to, by its path in the file, as a study file's does.
func TestConfigFileUnknownKeyOffersTheNearest(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	for src, want := range map[string]string{
		`{"epoch": 2}`:                `unknown key "epoch" (did you mean "epochs"?)`,
		`{"optimizer": {"lrr": 0.1}}`: `unknown key "lrr" (did you mean "optimizer.lr"?)`,
		`{"batchsize": 32}`:           `unknown key "batchsize" (did you mean "batch_size"?)`,
		`{"zzzzzzzz": 1}`:             `unknown key "zzzzzzzz"`,
	} {
		os.WriteFile(file, []byte(src), 0o644)
		_, err := ReadConfigFile(file)
		if err == nil || err.Error() != "--config "+file+": "+want {
			t.Errorf("%s: %v, want %s", src, err, want)
		}
	}
}
