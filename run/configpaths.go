package run

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"mnistgpu/engine"
)

// pathFlags are the settings that name a file or folder (withAbsolutePaths
// makes them absolute; a model preset's name is no path).
var pathFlags = []string{"data-dir", "out", "save-weights", "init-weights", "model"}

// ReadConfigToRun is ReadConfigFile for `train --config`: a relative path
// the file holds (its data folder, model file, output folder, initial or
// final weights) names a file from the config file's folder, as a relative
// path in a Compose file or a Cargo.toml does, so that a hand-written
// config runs the same from any working directory; it was read from the
// current one. A run records its paths absolute, so its config.json reads
// the same either way; an early version's record of a run, which held them
// as typed (a config.json beside its run's state or result, or {"args":
// [...]}), is read from the current directory as before, the one its run
// was started from. A path a flag or variable gives beside the file, or a
// default the file leaves, is the current directory's.
//
// A stratified split without data.split_rule splits by the earlier rule
// only in a run's own record (recordedBeforeSplitRule): a file that is no
// run's config.json (one written by hand, whatever data keys it holds) is
// a new run's, and splits by the current rule unless it names one.
func ReadConfigToRun(path string) (Config, error) {
	cfg, err := ReadConfigFile(path)
	if err != nil || recordOfARun(path) {
		return cfg, err
	}
	raw, err := engine.ReadFile(path, "config file", engine.MaxSettingsFile)
	if err != nil {
		return Config{}, &ValueError{Flag: "config", Msg: err.Error()}
	}
	var legacy struct {
		Args []string `json:"args"`
	}
	if json.Unmarshal(raw, &legacy) == nil && legacy.Args != nil {
		return cfg, nil
	}
	if _, named := JSONPath(raw, "data.split_rule"); !named && cfg.Data.SplitRule == SplitRuleClassCeiling {
		cfg.Data.SplitRule = "" // the current one (resolveSplitRule)
	}
	dir := filepath.Dir(path)
	for _, flag := range pathFlags {
		f, _ := Lookup(flag)
		p := cfg.value(f)
		v := p.String()
		if _, held := JSONPath(raw, f.Path); !held || v == "" || filepath.IsAbs(v) {
			continue
		}
		if _, preset := engine.Presets[v]; preset && flag == "model" {
			continue
		}
		p.SetString(filepath.Join(dir, v))
	}
	return cfg, nil
}

// recordOfARun reports whether path is a run's own config.json, beside
// the state or result the run wrote.
func recordOfARun(path string) bool {
	if filepath.Base(path) != ConfigFile {
		return false
	}
	for _, f := range []string{StateFile, ResultFile} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), f)); err == nil {
			return true
		}
	}
	return false
}

// NamesPath reports whether v, as f's value, names a file or folder, which
// a run records absolute (a model preset's name is none).
func (f Field) NamesPath(v string) bool {
	if v == "" || !slices.Contains(pathFlags, f.Flag) {
		return false
	}
	_, preset := engine.Presets[v]
	return !preset || f.Flag != "model"
}
