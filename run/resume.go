package run

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"mnistgpu/engine"
)

// LoadResume reads the state of the run in dir and the Config it was
// trained with (its output folder set to dir, wherever it was before),
// validated as a new one is.
func LoadResume(dir string) (Config, *engine.TrainCheckpoint, error) {
	path := filepath.Join(dir, StateFile)
	if err := noState(dir); err != nil {
		return Config{}, nil, err
	}
	ck, err := engine.LoadTrainCheckpoint(path)
	if err != nil {
		return Config{}, nil, err
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return Config{}, nil, fmt.Errorf("%s: the run's settings: %w", path, err)
	}
	cfg.Output.Dir = dir
	if err := checkStored(path, cfg); err != nil {
		return Config{}, nil, err
	}
	return cfg, ck, nil
}

// decodeConfig reads a stored Config; state files of earlier versions hold
// {"args": ["--lr=0.01", ...], "epochs": N} instead, read through the same
// table.
func decodeConfig(raw []byte) (Config, error) {
	var legacy struct {
		Args   []string `json:"args"`
		Epochs int      `json:"epochs"`
	}
	if json.Unmarshal(raw, &legacy) == nil && legacy.Args != nil {
		cfg := Default()
		for _, a := range legacy.Args {
			name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if !ok {
				return Config{}, fmt.Errorf("recorded argument %q is not --name=value", a)
			}
			if err := cfg.Set(name, value); err != nil {
				return Config{}, err
			}
		}
		cfg.Epochs = legacy.Epochs
		return cfg, nil
	}
	cfg := Default()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Resume is LoadResume with the settings given now (flag name → value as
// text) applied as ApplyOnResume says.
func Resume(dir string, given map[string]string) (Config, *engine.TrainCheckpoint, error) {
	cfg, ck, err := LoadResume(dir)
	if err != nil {
		return cfg, nil, err
	}
	if err := ApplyOnResume(&cfg, given); err != nil {
		return cfg, nil, err
	}
	if err := checkStoredWeightsPath(filepath.Join(dir, StateFile), cfg, given); err != nil {
		return cfg, nil, err
	}
	return cfg, ck, nil
}

// ResumeSettings are c's settings that a resume may change (those tagged
// resume:"ok": the epochs, the device and where the data is), as text for
// Resume.
func (c Config) ResumeSettings() map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if f.ResumeOK {
			out[f.Flag] = c.GetString(f)
		}
	}
	return out
}

// ResumeChangeError is a setting given with --resume that a resumed run
// cannot take.
type ResumeChangeError struct {
	Flag, Given, Recorded, Dir string
}

func (e *ResumeChangeError) Error() string {
	var ok []string
	for _, f := range fields {
		if f.ResumeOK {
			ok = append(ok, "--"+f.Flag)
		}
	}
	return fmt.Sprintf("--%s %s: %s was trained with %s, and a resumed run keeps its settings "+
		"(it may change %s); start a new run with another --out to train with a different one",
		e.Flag, quoteEmpty(e.Given), e.Dir, quoteEmpty(e.Recorded), strings.Join(ok, ", "))
}

// ApplyOnResume applies settings given again when resuming (flag name →
// value as text): those tagged resume:"ok" replace the recorded ones; any
// other must equal its recorded value.
func ApplyOnResume(cfg *Config, given map[string]string) error {
	names := make([]string, 0, len(given))
	for n := range given {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := lookupOrSuggest(n)
		if err != nil {
			return err
		}
		probe := *cfg
		if err := probe.SetField(f, given[n]); err != nil {
			return err
		}
		if f.ResumeOK {
			*cfg = probe
			continue
		}
		if probe.GetString(f) != cfg.GetString(f) {
			rec := cfg.GetString(f)
			if f.Default != "" && cfg.value(f).IsZero() {
				rec = "the default (" + f.Default + ")"
			}
			return &ResumeChangeError{Flag: f.Flag, Given: given[n], Recorded: rec, Dir: cfg.Output.Dir}
		}
	}
	return nil
}

// FinishedError says a resumed run has nothing left to do.
type FinishedError struct {
	Dir            string
	Done, Planned  int
	StoppedEarlier bool
}

func (e *FinishedError) Error() string {
	if e.StoppedEarlier {
		return fmt.Sprintf("nothing to do: %s finished after %d of %d epochs (stopped early); pass --epochs N to extend", e.Dir, e.Done, e.Planned)
	}
	return fmt.Sprintf("nothing to do: %s finished %d of %d epochs; pass --epochs N to extend", e.Dir, e.Done, e.Planned)
}

// CheckResume returns a *FinishedError when the run in dir, resumed with
// cfg, has nothing left to do: it wrote its result, and cfg plans no more
// epochs than it trained (or than it planned, when early stopping or
// --max-steps ended it sooner). A run whose epochs all ran but which stopped
// before its result is not finished: Train saves and evaluates it.
func CheckResume(cfg Config, ck *engine.TrainCheckpoint) error {
	dir := cfg.Output.Dir
	r, err := ReadResult(dir)
	if err != nil {
		return nil
	}
	if ck.NextEpoch >= cfg.Epochs {
		return &FinishedError{Dir: dir, Done: ck.NextEpoch, Planned: cfg.Epochs}
	}
	if r.Planned >= cfg.Epochs {
		return &FinishedError{Dir: dir, Done: ck.NextEpoch, Planned: r.Planned, StoppedEarlier: true}
	}
	return nil
}

// Trained reports whether a resumed run has every planned epoch trained
// (only its final weights and result are left to write).
func Trained(cfg Config, ck *engine.TrainCheckpoint) bool { return ck.NextEpoch >= cfg.Epochs }

// ReadResult reads a run folder's result.json.
func ReadResult(dir string) (*Result, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultFile), err)
	}
	return &r, nil
}
