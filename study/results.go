package study

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// CellResult is a finished cell: its settings, history and summary.
type CellResult struct {
	Cell    Cell
	Key     string
	Group   string
	History *engine.History
	Result  Result
	Failed  bool
	// NoHistory says why History is nil although the cell trained whole
	// epochs: its history.json is missing, cannot be read, is corrupt, or
	// holds other epochs than its result.json ("" when History is its
	// history, or the cell ended no epoch). Such a cell is no result of
	// the report's: every number of it read from the history is absent.
	NoHistory string
}

// LoadResults reads the study in dir: its file and every complete cell
// (readCell: one whose result.json is older than its state, continued and
// not finished, or whose state cannot be read, is left out as an
// unfinished one is).
// A cell folder whose config.json does not record the cell's axis values
// and seed (a run trained there by hand; the study fails such a cell) is
// not one of its results and is left out.
func LoadResults(dir string) (File, []CellResult, error) {
	f, err := Load(filepath.Join(dir, "study.json"))
	if err != nil {
		return File{}, nil, err
	}
	var out []CellResult
	for _, c := range f.Cells() {
		cd := filepath.Join(dir, "cells", c.Key(f.Axes))
		rec, err := readCell(cd)
		var stale *run.StaleResultError
		var unreadable *run.UnreadableStateError
		if errors.Is(err, fs.ErrNotExist) || errors.As(err, &stale) || errors.As(err, &unreadable) {
			continue // not run (yet), continued and not finished, or its state unreadable (its resume fails)
		}
		if err != nil {
			return f, nil, err
		}
		if !recordsCell(cd, c) {
			continue
		}
		r := CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes), Failed: rec.Failed}
		if rec.Result != nil {
			r.Result = *rec.Result
		}
		r.History, r.NoHistory = readCellHistory(cd, rec)
		out = append(out, r)
	}
	return f, out, nil
}

// readCellHistory reads the history.json of the complete cell in cd, whose
// result is rec. A cell that ended no epoch (a step budget within the
// first, or divergence there) has none. One that ended some and whose
// history is missing, unreadable, corrupt, or of other epochs than its
// result's, has no history: nil and why, naming the file. (A corrupt one
// failed the report and results.csv of the whole study; a missing one left
// the cell's numbers empty and results.csv gave it 0 epochs.)
func readCellHistory(cd string, rec cellRecord) (*engine.History, string) {
	path := filepath.Join(cd, "history.json")
	epochs := 0 // whole epochs the cell trained, as its result (or, diverged, its state) says
	if rec.Result != nil {
		epochs = rec.Result.Epochs
	} else if n, ok := run.SavedEpochs(cd); ok {
		epochs = n
	}
	hf, err := engine.OpenFile(path, "history", engine.MaxRecordFile)
	if errors.Is(err, fs.ErrNotExist) {
		if epochs == 0 {
			return nil, ""
		}
		return nil, fmt.Sprintf("%s is missing (the cell trained %s)", path, plural(epochs, "epoch"))
	}
	if err != nil {
		return nil, unreadableHistory(path, err)
	}
	defer hf.Close()
	h, err := engine.ReadHistoryJSON(path, hf)
	if err != nil {
		return nil, unreadableHistory(path, err)
	}
	if rec.Result != nil && epochs > 0 && len(h.Logs) != epochs {
		return nil, fmt.Sprintf("%s holds %s, its %s %d", path, plural(len(h.Logs), "epoch"), ResultFile, epochs)
	}
	return h, ""
}

// unreadableHistory is why the history at path cannot be read, naming it
// once: "…/history.json cannot be read: invalid history JSON: unexpected EOF".
func unreadableHistory(path string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("%s cannot be read: %s", path, strings.TrimPrefix(err.Error(), path+": "))
}

// withHistory splits cells into those whose numbers can be read and those
// without their history (CellResult.NoHistory), which the report and
// results.csv name and leave out.
func withHistory(cells []CellResult) (kept, without []CellResult) {
	for _, c := range cells {
		if c.NoHistory != "" {
			without = append(without, c)
		} else {
			kept = append(kept, c)
		}
	}
	return kept, without
}

// noHistoryLine names the cells without their history, each with what is
// wrong with its file.
func noHistoryLine(cells []CellResult) string {
	names := make([]string, len(cells))
	for i, c := range cells {
		names[i] = fmt.Sprintf("%s (%s)", c.Key, c.NoHistory)
	}
	return fmt.Sprintf("%s without a readable history, so none of %s numbers is reported: %s; "+
		"remove such a cell's %s and `study run` writes it and the history again from the cell's saved state",
		plural(len(cells), "cell"), map[bool]string{true: "its", false: "their"}[len(cells) == 1], strings.Join(names, ", "), ResultFile)
}

// recordsCell reports whether the run in cd records cell c's axis values
// and seed (a config.json that cannot be read, from an earlier version,
// is taken at its word).
func recordsCell(cd string, c Cell) bool {
	recorded, err := run.ReadConfigFile(filepath.Join(cd, run.ConfigFile))
	if err != nil {
		return true
	}
	want := recorded
	for name, v := range c.Params {
		if want.Set(name, v) != nil {
			return true // not a run setting (an axis of the study's own)
		}
	}
	want.Seed = c.Seed
	return len(run.SettingsDiffer(recorded, want)) == 0
}

// MeanStd is a mean and sample standard deviation over seeds (NaN, not 0,
// for fewer than two values).
type MeanStd struct {
	Mean, Std float64
	N         int // values (seeds that reached it)
	Of        int // seeds
}

func meanStd(v []float64, of int) MeanStd {
	m := MeanStd{N: len(v), Of: of}
	if len(v) == 0 {
		m.Mean, m.Std = math.NaN(), math.NaN()
		return m
	}
	for _, x := range v {
		m.Mean += x
	}
	m.Mean /= float64(len(v))
	if len(v) < 2 {
		m.Std = math.NaN() // one value has no spread: absent, not 0
		return m
	}
	for _, x := range v {
		m.Std += (x - m.Mean) * (x - m.Mean)
	}
	m.Std = math.Sqrt(m.Std / float64(len(v)-1))
	return m
}

func (m MeanStd) String() string { return m.Format(4) }

// Format writes "mean ± std" with prec decimals; a single value has no
// spread and is written alone.
func (m MeanStd) Format(prec int) string {
	if m.N == 0 {
		return "—"
	}
	s := strconv.FormatFloat(m.Mean, 'f', prec, 64)
	if m.N > 1 {
		s += " ± " + strconv.FormatFloat(m.Std, 'f', prec, 64)
	}
	if m.N < m.Of {
		s += fmt.Sprintf(" (%d of %d)", m.N, m.Of)
	}
	return s
}

// GroupSummary aggregates the seeds of one setting.
type GroupSummary struct {
	Group         string
	Params        map[string]string
	Seeds         int
	Failed        int
	BestValAcc    MeanStd
	TestAccAtBest MeanStd
	EpochsTo98    MeanStd // epochs until val_accuracy ≥ 0.98 (seeds that got there)
	EpochsTo99    MeanStd
	SecondsTo98   MeanStd
	SecondsTo99   MeanStd
	MeanValAcc    []float64 // per epoch, mean over seeds
	MeanValLoss   []float64
	MeanTrainLoss []float64
	MeanTrainAcc  []float64
	FinalValAcc   float64
	FinalValLoss  float64
}

// reach returns the 1-based epoch and cumulative seconds at which
// val_accuracy first reached thr, or ok = false.
func reach(h *engine.History, thr float64) (epochs int, seconds float64, ok bool) {
	for i, l := range h.Logs {
		if i < len(h.Seconds) {
			seconds += h.Seconds[i]
		}
		if l["val_accuracy"] >= thr {
			return i + 1, seconds, true
		}
	}
	return 0, 0, false
}

// Summarise groups cells by setting, in grid order.
func Summarise(f File, cells []CellResult) []GroupSummary {
	byGroup := map[string][]CellResult{}
	var order []string
	for _, c := range cells {
		if _, ok := byGroup[c.Group]; !ok {
			order = append(order, c.Group)
		}
		byGroup[c.Group] = append(byGroup[c.Group], c)
	}
	var out []GroupSummary
	for _, g := range order {
		cs := byGroup[g]
		s := GroupSummary{Group: g, Params: cs[0].Cell.Params, Seeds: len(cs)}
		var best, test, e98, e99, s98, s99 []float64
		curves := map[string][][]float64{}
		for _, c := range cs {
			if c.Failed {
				s.Failed++
			}
			if c.History == nil || len(c.History.Logs) == 0 {
				continue
			}
			// A run without validation data has no val_accuracy: its best
			// is absent, not 0. A simulated device's seconds are no time.
			b := math.Inf(-1)
			for _, l := range c.History.Logs {
				if v, ok := l["val_accuracy"]; ok {
					b = math.Max(b, v)
				}
			}
			if !math.IsInf(b, -1) {
				best = append(best, b)
			}
			if !c.Failed && c.Result.BestCheckpoint != "" {
				test = append(test, c.Result.BestTestAccuracy)
			}
			timed := !c.Failed && c.Result.Seconds > 0
			if e, sec, ok := reach(c.History, 0.98); ok {
				e98 = append(e98, float64(e))
				if timed {
					s98 = append(s98, sec)
				}
			}
			if e, sec, ok := reach(c.History, 0.99); ok {
				e99 = append(e99, float64(e))
				if timed {
					s99 = append(s99, sec)
				}
			}
			for _, k := range []string{"val_accuracy", "val_loss", "loss", "accuracy"} {
				var v []float64
				for _, l := range c.History.Logs {
					x, ok := l[k]
					if !ok {
						x = math.NaN() // not recorded: left out of the mean
					}
					v = append(v, x)
				}
				curves[k] = append(curves[k], v)
			}
		}
		s.BestValAcc, s.TestAccAtBest = meanStd(best, len(cs)), meanStd(test, len(cs))
		s.EpochsTo98, s.EpochsTo99 = meanStd(e98, len(cs)), meanStd(e99, len(cs))
		s.SecondsTo98, s.SecondsTo99 = meanStd(s98, len(cs)), meanStd(s99, len(cs))
		s.MeanValAcc, s.MeanValLoss = meanCurve(curves["val_accuracy"]), meanCurve(curves["val_loss"])
		s.MeanTrainLoss, s.MeanTrainAcc = meanCurve(curves["loss"]), meanCurve(curves["accuracy"])
		if n := len(s.MeanValAcc); n > 0 {
			s.FinalValAcc, s.FinalValLoss = s.MeanValAcc[n-1], s.MeanValLoss[n-1]
		}
		out = append(out, s)
	}
	return out
}

// meanCurve averages curves epoch by epoch over the seeds that have the epoch.
func meanCurve(cs [][]float64) []float64 {
	n := 0
	for _, c := range cs {
		n = max(n, len(c))
	}
	out := make([]float64, n)
	for e := 0; e < n; e++ {
		var s float64
		k := 0
		for _, c := range cs {
			if e < len(c) && !math.IsNaN(c[e]) {
				s += c[e]
				k++
			}
		}
		out[e] = math.NaN()
		if k > 0 {
			out[e] = s / float64(k)
		}
	}
	return out
}

// Comparison pits two values of one axis against each other over every
// pair of settings that differ only in that axis.
type Comparison struct {
	Axis        string
	A, B        string
	Pairs, AWin int // pairs, and pairs A won: the higher best val accuracy, or B diverged
	// ADiverged and BDiverged count the pairs where that side diverged
	// before its first validation (every seed: no accuracy) and the other
	// trained: a result, which that side lost.
	ADiverged, BDiverged int
	// BothDiverged counts the settings where both sides diverged so: no
	// pair, and said, since the pairs then number fewer than the settings.
	BothDiverged int
	// Unpaired counts the settings where a side has no validation
	// accuracy without having diverged: no pair either, and said.
	Unpaired Unpaired
	// Both counts the pairs where both sides have an accuracy; MeanA and
	// MeanB are the mean best val accuracies over those.
	Both         int
	MeanA, MeanB float64
	// AWinClear counts A's wins by more than twice the standard error of
	// the difference of the two means (both settings with two seeds or
	// more), and those where B diverged in two seeds or more and A trained
	// in two or more.
	AWinClear int
	Seeds     SeedRange // seeds behind the settings compared
}

// divergedEarly reports whether every seed of g diverged before its first
// validation (a NaN loss in the first epoch): no accuracy, and a result.
func divergedEarly(g GroupSummary) bool {
	return g.BestValAcc.N == 0 && g.Failed > 0 && g.Failed == g.Seeds
}

// Compare finds all pairs of groups differing only in axis (A vs B). A
// side that diverged before its first validation lost to one that trained;
// a pair where neither has an accuracy compares nothing.
func Compare(f File, groups []GroupSummary, axis, a, b string) Comparison {
	c := Comparison{Axis: axis, A: a, B: b}
	index := map[string]GroupSummary{}
	for _, g := range groups {
		index[g.Group] = g
	}
	for _, g := range groups {
		if axis == "" || g.Params[axis] != a {
			continue
		}
		p := map[string]string{}
		for k, v := range g.Params {
			p[k] = v
		}
		p[axis] = b
		other, ok := index[Cell{Params: p}.Group(f.Axes)]
		if !ok {
			continue
		}
		aTrained, bTrained := g.BestValAcc.N > 0, other.BestValAcc.N > 0
		switch {
		case aTrained && bTrained:
			c.Pairs++
			c.Both++
			c.MeanA += g.BestValAcc.Mean
			c.MeanB += other.BestValAcc.Mean
			c.Seeds.add(g.BestValAcc.N)
			c.Seeds.add(other.BestValAcc.N)
			if g.BestValAcc.Mean > other.BestValAcc.Mean {
				c.AWin++
				if clearlyAbove(g.BestValAcc, other.BestValAcc) {
					c.AWinClear++
				}
			}
		case aTrained && divergedEarly(other):
			c.Pairs++
			c.BDiverged++
			c.AWin++
			c.Seeds.add(g.BestValAcc.N)
			c.Seeds.add(other.Failed)
			if g.BestValAcc.N >= 2 && other.Failed >= 2 {
				c.AWinClear++
			}
		case bTrained && divergedEarly(g):
			c.Pairs++
			c.ADiverged++
			c.Seeds.add(g.Failed)
			c.Seeds.add(other.BestValAcc.N)
		case divergedEarly(g) && divergedEarly(other):
			c.BothDiverged++
		default:
			c.Unpaired.add(aTrained, bTrained)
		}
	}
	if c.Both > 0 {
		c.MeanA /= float64(c.Both)
		c.MeanB /= float64(c.Both)
	}
	return c
}

// clearlyAbove: a's mean exceeds b's by more than twice the standard error
// of the difference, √(sa²/na + sb²/nb); never with fewer than two values
// on either side.
func clearlyAbove(a, b MeanStd) bool {
	if a.N < 2 || b.N < 2 {
		return false
	}
	se := math.Sqrt(a.Std*a.Std/float64(a.N) + b.Std*b.Std/float64(b.N))
	return a.Mean-b.Mean > 2*se
}

// axisValues lists an axis's values, or nil if the study lacks it.
func axisValues(f File, name string) []string {
	for _, a := range f.Axes {
		if a.Name == name {
			return a.Values
		}
	}
	return nil
}

// sortedLRs returns the values of the learning-rate axis (named axis)
// ordered from smallest to largest.
func sortedLRs(f File, axis string) []string {
	v := append([]string(nil), axisValues(f, axis)...)
	sort.Slice(v, func(i, j int) bool { return parseF(v[i]) < parseF(v[j]) })
	return v
}

func parseF(s string) float64 {
	var x float64
	fmt.Sscan(s, &x)
	return x
}
