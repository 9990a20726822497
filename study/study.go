// Package study runs and reports a grid of training runs, like the report's
// comparison of models, optimizers, activations and learning rates. A study
// is a list of axes (each a train flag and its values), seeds and fixed flags;
// each cell is one ordinary training run in its own folder.
package study

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Axis is one varied setting: a train flag and the values it takes.
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

// reserved flags are set by the runner, not by a study.
var reserved = map[string]bool{"out": true, "seed": true, "resume": true, "resume-state": true, "quiet": true}

// Parse reads a JSON study file; name is used in errors.
func Parse(name string, raw []byte) (File, error) {
	if len(raw) > 1<<20 {
		return File{}, fmt.Errorf("%s: study file larger than 1 MiB", name)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("%s: invalid study file: %w", name, err)
	}
	if err := f.Validate(); err != nil {
		return File{}, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// Load reads a study file, or returns Default for "" or "default".
func Load(path string) (File, error) {
	if path == "" || path == "default" {
		return Default(), nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	return Parse(path, raw)
}

// maxCells bounds a study's size.
const maxCells = 100000

// Validate checks names, values and the number of cells.
func (f File) Validate() error {
	seen := map[string]bool{}
	cells := len(f.Seeds)
	if cells == 0 {
		return fmt.Errorf("study has no seeds")
	}
	for _, a := range f.Axes {
		if a.Name == "" || strings.ContainsAny(a.Name, "=,/ ") || reserved[a.Name] || seen[a.Name] {
			return fmt.Errorf("bad or repeated axis name %q", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("axis %q has no values", a.Name)
		}
		for _, v := range a.Values {
			if v == "" || strings.ContainsAny(v, "=,/") {
				return fmt.Errorf("axis %q: bad value %q", a.Name, v)
			}
		}
		cells *= len(a.Values)
		if cells > maxCells {
			return fmt.Errorf("study has more than %d cells", maxCells)
		}
	}
	for k := range f.Fixed {
		if reserved[k] || seen[k] {
			return fmt.Errorf("fixed setting %q is reserved or also an axis", k)
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
	var parts []string
	for _, a := range axes {
		parts = append(parts, a.Name+"="+c.Params[a.Name])
	}
	return strings.Join(append(parts, "seed="+strconv.FormatUint(c.Seed, 10)), ",")
}

// Group is the key without the seed: the cells averaged together.
func (c Cell) Group(axes []Axis) string {
	k := c.Key(axes)
	return k[:strings.LastIndex(k, ",seed=")]
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

// Args are the train flags of a cell (without --out).
func (f File) Args(c Cell, epochs int) []string {
	var args []string
	keys := make([]string, 0, len(f.Fixed))
	for k := range f.Fixed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "epochs" && epochs > 0 {
			continue
		}
		args = append(args, "--"+k+"="+f.Fixed[k])
	}
	if epochs > 0 {
		args = append(args, "--epochs="+strconv.Itoa(epochs))
	}
	for _, a := range f.Axes {
		args = append(args, "--"+a.Name+"="+c.Params[a.Name])
	}
	return append(args, "--seed="+strconv.FormatUint(c.Seed, 10))
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
