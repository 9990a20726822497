// Package study runs and reports a grid of training runs, like the report's
// comparison of models, optimizers, activations and learning rates. A study
// is a list of axes (each a run setting, named by its train flag, and its
// values), seeds and fixed settings; each cell is the study's base
// run.Config with the cell's values applied, trained in its own folder.
package study

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// Axis is one varied setting: a run setting (its train flag name, e.g.
// "lr", or its JSON path, e.g. "optimizer.lr") and the values it takes.
type Axis struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// File is a study file:
//
//	{"name": "report",
//	 "axes": [{"name": "model", "values": ["cnn", "mlp"]},
//	          {"name": "lr", "values": ["0.01", "0.001"]}],
//	 "seeds": [1, 2],
//	 "fixed": {"epochs": "2", "batch-size": "64"}}
type File struct {
	Name  string            `json:"name"`
	Axes  []Axis            `json:"axes"`
	Seeds []uint64          `json:"seeds"`
	Fixed map[string]string `json:"fixed"`
	// Path is the file the study was read from ("" for Default), which
	// names it in the refusal of its settings (Configs).
	Path string `json:"-"`
}

// Default is the report's grid: {cnn, mlp} × {sgd, adam} × {relu, sigmoid} ×
// {1e-1, 1e-2, 1e-3, 1e-4}, one seed, 2 epochs (the report ran 100: pass
// --epochs 100), batch 64, validation split 0.2.
func Default() File {
	return File{
		Name: "report",
		Axes: []Axis{
			{Name: "model", Values: []string{"cnn", "mlp"}},
			{Name: "optimizer", Values: []string{"sgd", "adam"}},
			{Name: "activation", Values: []string{"relu", "sigmoid"}},
			{Name: "lr", Values: []string{"0.1", "0.01", "0.001", "0.0001"}},
		},
		Seeds: []uint64{1},
		Fixed: map[string]string{"epochs": "2", "batch-size": "64", "validation-split": "0.2"},
	}
}

// Parse reads a JSON study file; name, the file's path, is used in errors
// and names a study that has no "name".
func Parse(name string, raw []byte) (File, error) {
	return parse(name, raw, 0)
}

// parse is Parse with seeds 1..seeds replacing the file's list (0: the
// file's), before the file is validated: `study run --seeds N` of a file
// that lists no seeds trains seeds 1..N, as it would replace a list.
func parse(name string, raw []byte, seeds int) (File, error) {
	if len(raw) > maxStudyFile {
		return File{}, fmt.Errorf("%s: study file larger than 1 MiB", name)
	}
	if err := engine.CheckSettingsJSON(raw); err != nil {
		return File{}, fmt.Errorf("%s: invalid study file: %w", name, err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("%s: invalid study file: %w", name, engine.ExplainJSON(err))
	}
	if dec.More() {
		return File{}, fmt.Errorf("%s: invalid study file: data after the JSON object", name)
	}
	if strings.TrimSpace(f.Name) == "" {
		// A study is known by its name (headers, reports, the check that a
		// folder holds this study); one without takes its file's, as
		// grid.json → "grid".
		f.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	f.Path = name
	return withSeedsChecked(name, f, seeds)
}

// withSeedsChecked is f, read from the study file name, with seeds 1..seeds
// replacing its list (0: its own), validated. What the file holds is the
// file's error, named so; the list --seeds replaces is not checked; what
// the seeds --seeds gives make (too many cells) is --seeds's error, and
// its count is checked before the list is made.
func withSeedsChecked(name string, f File, seeds int) (File, error) {
	own := f
	if seeds > 0 {
		own = f.WithSeeds(1)
	}
	if err := own.Validate(); err != nil {
		return File{}, fmt.Errorf("%s: %w", name, err)
	}
	if seeds <= 0 {
		return f, nil
	}
	if settings := own.size(); seeds > maxCells/settings {
		return File{}, fmt.Errorf("--seeds %d: the study's %s × %d seeds are more than %d cells", seeds, plural(settings, "setting"), seeds, maxCells)
	}
	return f.WithSeeds(seeds), nil
}

// Load reads a study file, or returns Default for "" or "default".
func Load(path string) (File, error) {
	return LoadSeeds(path, 0)
}

// LoadSeeds is Load with seeds 1..seeds replacing the study's list (0: its
// own; WithSeeds).
func LoadSeeds(path string, seeds int) (File, error) {
	if path == "" || path == "default" {
		return withSeedsChecked("the default study", Default(), seeds)
	}
	raw, err := engine.ReadFile(path, "study file", maxStudyFile)
	if err != nil {
		return File{}, err
	}
	return parse(path, raw, seeds)
}

// maxStudyFile bounds a study file; real ones are a few hundred bytes.
const maxStudyFile = 1 << 20

// maxCells bounds a study's size.
const maxCells = 100000

// Validate checks names, values and the number of cells.
func (f File) Validate() error {
	seen := map[string]bool{}
	cells := len(f.Seeds)
	if cells == 0 {
		return fmt.Errorf(`the study has no "seeds": list them ("seeds": [1, 2, 3]), or pass --seeds N for seeds 1..N`)
	}
	if cells > maxCells {
		return fmt.Errorf("study has more than %d cells", maxCells)
	}
	seeds := map[uint64]bool{}
	for _, s := range f.Seeds {
		if seeds[s] {
			return fmt.Errorf(`"seeds" lists seed %d twice`, s)
		}
		seeds[s] = true
	}
	for _, a := range f.Axes {
		if a.Name == "" || strings.ContainsAny(a.Name, "=,/ ") || seen[a.Name] {
			return fmt.Errorf("bad or repeated axis name %q", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("axis %q has no values", a.Name)
		}
		listed := map[string]bool{}
		for _, v := range a.Values {
			if listed[v] {
				// Two cells of one folder: trained once, reported twice.
				return fmt.Errorf("axis %q lists %q twice", a.Name, v)
			}
			listed[v] = true
			if v == "" || strings.ContainsAny(v, "=,/") {
				return fmt.Errorf("axis %q: bad value %q", a.Name, v)
			}
			if why := cellFolderProblem(v); why != "" {
				return fmt.Errorf("axis %q: value %q %s", a.Name, v, why)
			}
		}
		cells *= len(a.Values)
		if cells > maxCells {
			return fmt.Errorf("study has more than %d cells", maxCells)
		}
	}
	for k := range f.Fixed {
		if seen[k] {
			return fmt.Errorf("fixed setting %q is also an axis", k)
		}
	}
	return nil
}

// Cell is one training run of the grid.
type Cell struct {
	Index  int
	Params map[string]string // axis name → value
	Seed   uint64
}

// Key is the cell's folder name: "model=cnn,optimizer=sgd,...,seed=1".
func (c Cell) Key(axes []Axis) string {
	return strings.Join(append(c.settings(axes), "seed="+strconv.FormatUint(c.Seed, 10)), ",")
}

// Group is the key without the seed: the cells averaged together ("" for a
// study without axes, whose cells differ only in their seeds).
func (c Cell) Group(axes []Axis) string { return strings.Join(c.settings(axes), ",") }

// settings are the cell's "axis=value" parts, in the axes' order.
func (c Cell) settings(axes []Axis) []string {
	var parts []string
	for _, a := range axes {
		parts = append(parts, a.Name+"="+c.Params[a.Name])
	}
	return parts
}

// Cells enumerates the grid, the first axis varying slowest, seeds fastest.
func (f File) Cells() []Cell {
	cells := []Cell{{Params: map[string]string{}}}
	for _, a := range f.Axes {
		var next []Cell
		for _, c := range cells {
			for _, v := range a.Values {
				p := map[string]string{}
				for k, x := range c.Params {
					p[k] = x
				}
				p[a.Name] = v
				next = append(next, Cell{Params: p})
			}
		}
		cells = next
	}
	var out []Cell
	for _, c := range cells {
		for _, s := range f.Seeds {
			out = append(out, Cell{Index: len(out), Params: c.Params, Seed: s})
		}
	}
	return out
}

// size is the number of f's cells: its seeds times each axis's values.
func (f File) size() int {
	n := len(f.Seeds)
	for _, a := range f.Axes {
		n *= len(a.Values)
	}
	return n
}

// WithEpochs is f with every cell trained for epochs (0: f unchanged).
func (f File) WithEpochs(epochs int) File {
	if epochs <= 0 {
		return f
	}
	fixed := map[string]string{}
	for k, v := range f.Fixed {
		fixed[k] = v
	}
	for k := range fixed {
		if fd, ok := run.Lookup(k); ok && fd.Flag == "epochs" {
			delete(fixed, k)
		}
	}
	fixed["epochs"] = strconv.Itoa(epochs)
	f.Fixed = fixed
	return f
}

// WithSeeds is f with seeds 1..n replacing its list (0: f unchanged), so
// that every setting is trained n times and the report gives mean ± std.
func (f File) WithSeeds(n int) File {
	if n <= 0 {
		return f
	}
	f.Seeds = make([]uint64, n)
	for i := range f.Seeds {
		f.Seeds[i] = uint64(i + 1)
	}
	return f
}

// Setting says how f sets fd, by any of its names: as an axis, or as a
// fixed value ("" when it does not set it).
func (f File) Setting(fd run.Field) (name, fixed string, axis, ok bool) {
	for _, a := range f.Axes {
		if a.Name == fd.Flag || a.Name == fd.Path {
			return a.Name, "", true, true
		}
	}
	for k, v := range f.Fixed {
		if k == fd.Flag || k == fd.Path {
			return k, v, false, true
		}
	}
	return "", "", false, false
}

// names reports whether the file sets the setting of flag, in "fixed" or
// as an axis.
func (f File) names(flag string) bool {
	fd, ok := run.Lookup(flag)
	if !ok {
		return false
	}
	_, _, _, named := f.Setting(fd)
	return named
}

// SettingError is a study setting that no run can take: an unknown name, a
// setting a study may not vary, or a bad value in some cell.
type SettingError struct{ Msg string }

func (e *SettingError) Error() string { return e.Msg }

// Configs gives every cell's run configuration: base with the fixed
// settings, then the cell's axis values, applied by name; the seed; and the
// cell's folder under dir. Every cell is validated, so a study with a typo or
// a bad value fails here, before anything runs.
func (f File) Configs(base run.Config, dir string) ([]Cell, []run.Config, error) {
	// A study recorded in dir (its study.json) goes on as it ran, as a
	// resumed run does: a setting refused since it was recorded (one that
	// changed nothing) is checked as the run's record is; its cells train
	// so (trainCell). Prepare refuses any other study in that folder.
	_, err := os.Stat(filepath.Join(dir, "study.json"))
	recorded := dir != "" && err == nil
	check := func(what, name string) (run.Field, error) {
		fd, ok := run.Lookup(name)
		switch {
		case !ok:
			hint := ""
			if c := run.Closest(name); c != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", c)
			}
			return fd, f.refusal(fmt.Sprintf("%s %q is not a training setting%s", what, name, hint))
		case fd.Flag == "seed":
			return fd, f.refusal(fmt.Sprintf("%s %q: a study's seeds come from its \"seeds\" list", what, name))
		case !fd.StudyOK:
			return fd, f.refusal(fmt.Sprintf("%s %q: the study sets it for each cell", what, name))
		case what == "axis" && fd.Flag == "threads":
			// Each cell trains with its slot's share of the study's threads:
			// a cell "threads=2" trained with 1 and recorded 1.
			return fd, f.refusal(fmt.Sprintf("axis %q: a study shares its threads (--threads, or \"threads\" in \"fixed\") among the cells it trains at once (--jobs), so a cell's own would not be used; compare thread counts with bench --threads 1,2,4", name))
		case what == "axis" && fd.Group == "source":
			// The study loads MNIST once and every cell trains on it.
			return fd, f.refusal(fmt.Sprintf("axis %q: a study's cells share one data set, loaded once; set it in \"fixed\" or pass --%s", name, fd.Flag))
		}
		return fd, nil
	}
	// One name per setting: "lr" and "optimizer.lr" set one field, and the
	// one applied last would silently replace the other.
	named := map[string]string{} // field path → how the file names it
	once := func(fd run.Field, what string) error {
		if first, ok := named[fd.Path]; ok {
			return f.refusal(fmt.Sprintf("%s and %s name one setting (--%s): give it once", first, what, fd.Flag))
		}
		named[fd.Path] = what
		return nil
	}
	keys := make([]string, 0, len(f.Fixed))
	for k := range f.Fixed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pre := base // without the fixed settings: what a cell they do not apply to gets
	for _, k := range keys {
		fd, err := check("fixed setting", k)
		if err != nil {
			return nil, nil, err
		}
		if err := once(fd, fmt.Sprintf("fixed setting %q", k)); err != nil {
			return nil, nil, err
		}
		if err := base.SetField(fd, f.Fixed[k]); err != nil {
			return nil, nil, f.refusal(fmt.Sprintf("fixed setting %q: %v", k, err))
		}
	}
	axes := make([]run.Field, len(f.Axes))
	for i, a := range f.Axes {
		fd, err := check("axis", a.Name)
		if err != nil {
			return nil, nil, err
		}
		if err := once(fd, fmt.Sprintf("axis %q", a.Name)); err != nil {
			return nil, nil, err
		}
		if err := distinctValues(base, fd, a); err != nil {
			return nil, nil, f.refusal(err.Error())
		}
		axes[i] = fd
	}
	cells := f.Cells()
	cfgs := make([]run.Config, len(cells))
	firstUnused, unusedIn := map[string]string{}, map[string]int{}
	for i, c := range cells {
		cfg := base
		for j, a := range f.Axes {
			if err := cfg.SetField(axes[j], c.Params[a.Name]); err != nil {
				return nil, nil, f.refusal(fmt.Sprintf("axis %q: %v", a.Name, err))
			}
		}
		cfg.Seed = c.Seed
		// base's --threads or --tf32 (an exported variable's default, or
		// typed: cmd refuses that where a cell's device does not read it,
		// and says so where a cell's auto opens a GPU) goes where the
		// cell's device does not read it; the file's own is checked with
		// the rest, but for "threads" where auto opens a GPU, which goes
		// too (cmd says so, once for the study).
		cfg.FitDevice(func(flag string) bool {
			fd, _ := run.Lookup(flag)
			_, _, _, named := f.Setting(fd)
			return named
		})
		if k := c.Key(f.Axes); len(k) > run.MaxFileName {
			// Its mkdir would fail when the study reaches it, and so would
			// recording the failure in it.
			return nil, nil, f.refusal(fmt.Sprintf("cell %.60s…: its folder name (axis=value,…,seed=N) is %d bytes, more than the %d a folder name may hold; shorten the axes' names or values", k, len(k), run.MaxFileName))
		}
		cfg.Output.Dir = filepath.Join(dir, "cells", c.Key(f.Axes))
		// A cell too large for this machine fails alone when it runs (its
		// failed.txt says why); the others go on.
		validate := func(c run.Config) error {
			if recorded {
				return c.ValidateRecorded()
			}
			return c.Validate()
		}
		err := validate(cfg)
		// A fixed setting that this cell's axis values leave without effect
		// (the file's "momentum" in the cells of an optimizer axis that
		// are not sgd) is one it goes without, which the CLI says
		// (UnusedFixed); one that applies to no cell is refused below.
		for range keys {
			ve := (*run.ValueError)(nil)
			if err == nil || !errors.As(err, &ve) || !ve.NotApplied {
				break
			}
			fd, ok := run.Lookup(ve.Flag)
			if _, _, axis, named := f.Setting(fd); !ok || !named || axis {
				break
			}
			without := cfg
			without.CopyField(fd, pre)
			if err2 := validate(without); err2 == nil || !sameRefusal(err2, ve.Flag) {
				if firstUnused[fd.Flag] == "" {
					firstUnused[fd.Flag] = f.cellRefusal(c, err)
				}
				unusedIn[fd.Flag]++
				cfg, err = without, err2
				continue
			}
			break
		}
		if err != nil && !errors.As(err, new(*run.LimitError)) {
			if ve := (*run.ValueError)(nil); errors.As(err, &ve) && !f.names(ve.Flag) {
				// The value is base's (a flag's or an environment
				// variable's), not the file's: the run's error is kept, so
				// that the CLI can say where it came from (MNISTGPU_EPOCHS=0
				// was refused as an --epochs nobody typed).
				return nil, nil, fmt.Errorf("cell %s: %w", c.Key(f.Axes), err)
			}
			return nil, nil, f.refusal(f.cellRefusal(c, err))
		}
		cfgs[i] = cfg
	}
	for flag, n := range unusedIn {
		if n == len(cells) {
			return nil, nil, f.refusal(firstUnused[flag])
		}
	}
	return cells, cfgs, nil
}

// refusal is a SettingError naming the study file, when the study was
// read from one, before msg: a refused value names the file it is in.
func (f File) refusal(msg string) *SettingError {
	if f.Path != "" {
		msg = f.Path + ": " + msg
	}
	return &SettingError{msg}
}

// cellRefusal is a cell's refusal, naming the study file's setting that
// gave the value refused (its fixed setting, or its axis and the cell's
// value) before the run's error, which names the flag alone.
func (f File) cellRefusal(c Cell, err error) string {
	where := ""
	if ve := (*run.ValueError)(nil); errors.As(err, &ve) {
		if fd, ok := run.Lookup(ve.Flag); ok {
			switch name, fixed, axis, named := f.Setting(fd); {
			case named && axis:
				where = fmt.Sprintf("axis %q value %q: ", name, c.Params[name])
			case named:
				where = fmt.Sprintf("fixed setting %q: %q: ", name, fixed)
			}
		}
	}
	return fmt.Sprintf("cell %s: %s%v", c.Key(f.Axes), where, err)
}

// sameRefusal reports whether err refuses flag again.
func sameRefusal(err error, flag string) bool {
	ve := (*run.ValueError)(nil)
	return errors.As(err, &ve) && ve.Flag == flag
}

// distinctValues refuses an axis two of whose values are one setting
// ("0.1" and "0.10"): two cells that train the same run.
func distinctValues(base run.Config, fd run.Field, a Axis) error {
	seen := map[string]string{} // the value as the run holds it → as written
	for _, v := range a.Values {
		cfg := base
		if cfg.SetField(fd, v) != nil {
			continue // a bad value: the cell that has it is refused by name
		}
		held := cfg.GetString(fd)
		if first, ok := seen[held]; ok {
			return &SettingError{fmt.Sprintf("axis %q: values %q and %q are the same setting (%s), so two cells would train one run", a.Name, first, v, held)}
		}
		seen[held] = v
	}
	return nil
}

// Shard is "k/n": this runner takes cells whose index is k-1 modulo n.
type Shard struct{ K, N int }

// ParseShard reads "k/n" with 1 ≤ k ≤ n ("" is 1/1).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{1, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want k/n with 1 ≤ k ≤ n", s)
	}
	return Shard{k, n}, nil
}

// Has reports whether the shard runs cell i.
func (s Shard) Has(i int) bool { return i%s.N == s.K-1 }
