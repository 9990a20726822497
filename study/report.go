package study

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// Conclusion is one of the report's claims and what this study says of it.
type Conclusion struct {
	Claim    string
	Verdict  string // "supported", "not supported", "mixed" or "not testable here"
	Evidence string
	Seeds    SeedRange // seeds behind each setting the verdict compares
}

// SeedRange is the fewest and most seeds (with a result) behind the
// settings a verdict rests on.
type SeedRange struct{ Min, Max int }

func (r *SeedRange) add(n int) {
	if r.Max == 0 || n < r.Min {
		r.Min = n
	}
	r.Max = max(r.Max, n)
}

func (r SeedRange) String() string {
	switch {
	case r.Max == 0:
		return "—"
	case r.Min == r.Max:
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d–%d", r.Min, r.Max)
}

func verdict(wins, pairs int) string {
	switch {
	case pairs == 0:
		return "not testable here"
	case wins*4 >= pairs*3:
		return "supported"
	case wins*2 > pairs:
		return "mixed (mostly supported)"
	case wins*2 == pairs:
		return "mixed"
	}
	return "not supported"
}

// Conclusions checks the report's conclusions against the summaries.
func Conclusions(f File, groups []GroupSummary) []Conclusion {
	var out []Conclusion
	pair := func(claim, flag, a, b string) {
		c := Compare(f, groups, axisFor(f, flag), a, b)
		out = append(out, Conclusion{Claim: claim, Verdict: verdict(c.AWin, c.Pairs), Seeds: c.Seeds, Evidence: pairEvidence(flag, c)})
	}
	pair("CNN reaches a better accuracy than the MLP", "model", "cnn", "mlp")
	pair("Adam is better than SGD", "optimizer", "adam", "sgd")
	// "faster": validation accuracy after the first epoch; a side that
	// diverged before it lost, as in the pairs above.
	{
		wins, pairs, adamDiverged, sgdDiverged, bothDiverged := 0, 0, 0, 0, 0
		var unpaired Unpaired
		var seeds SeedRange
		index := map[string]GroupSummary{}
		for _, g := range groups {
			index[g.Group] = g
		}
		firstEpoch := func(g GroupSummary) bool { return len(g.MeanValAcc) > 0 && !math.IsNaN(g.MeanValAcc[0]) }
		opt := axisFor(f, "optimizer")
		for _, g := range groups {
			if opt == "" || g.Params[opt] != "adam" {
				continue
			}
			p := map[string]string{}
			for k, v := range g.Params {
				p[k] = v
			}
			p[opt] = "sgd"
			o, ok := index[Cell{Params: p}.Group(f.Axes)]
			switch {
			case !ok:
			case firstEpoch(g) && firstEpoch(o):
				pairs++
				seeds.add(g.BestValAcc.N)
				seeds.add(o.BestValAcc.N)
				if g.MeanValAcc[0] > o.MeanValAcc[0] {
					wins++
				}
			case firstEpoch(g) && divergedEarly(o):
				pairs++
				wins++
				sgdDiverged++
				seeds.add(g.BestValAcc.N)
				seeds.add(o.Failed)
			case firstEpoch(o) && divergedEarly(g):
				pairs++
				adamDiverged++
				seeds.add(g.Failed)
				seeds.add(o.BestValAcc.N)
			case divergedEarly(g) && divergedEarly(o):
				bothDiverged++
			default:
				unpaired.add(firstEpoch(g), firstEpoch(o))
			}
		}
		const what = "a validation accuracy after the first epoch"
		evidence := fmt.Sprintf("Adam had the higher validation accuracy after the first epoch in %d of %s", wins, plural(pairs, "matched setting"))
		d := divergedNotes("SGD", sgdDiverged, "Adam", adamDiverged)
		if bothDiverged > 0 {
			d = append(d, fmt.Sprintf("both diverged in %d more, not counted", bothDiverged))
		}
		d = append(d, unpaired.parts("Adam", "SGD", what, " more, not counted")...)
		switch {
		case opt == "":
			evidence = "the study does not vary the optimizer"
		case pairs == 0:
			evidence = noPairEvidence(opt+"=adam", opt+"=sgd", what, unpaired, bothDiverged)
		case len(d) > 0:
			evidence += " (" + strings.Join(d, "; ") + ")"
		}
		out = append(out, Conclusion{Claim: "With SGD the network takes longer to reach a high accuracy than with Adam", Verdict: verdict(wins, pairs), Seeds: seeds, Evidence: evidence})
	}
	pair("ReLU mostly does better than sigmoid", "activation", "relu", "sigmoid")
	lrAxis := axisFor(f, "lr")
	lrs := sortedLRs(f, lrAxis)
	if len(lrs) >= 3 {
		for _, end := range []struct {
			claim, lr string
		}{
			{"A too high learning rate keeps the network from converging", lrs[len(lrs)-1]},
			{"A too low learning rate converges slowly or to a poor minimum", lrs[0]},
		} {
			worse, settings, diverged := 0, 0, 0
			var seeds SeedRange
			byOthers := map[string][]GroupSummary{}
			for _, g := range groups {
				p := map[string]string{}
				for k, v := range g.Params {
					p[k] = v
				}
				p[lrAxis] = ""
				key := Cell{Params: p}.Group(f.Axes)
				byOthers[key] = append(byOthers[key], g)
			}
			for _, gs := range byOthers {
				best, at := math.Inf(-1), math.NaN()
				failed := 0 // seeds at end.lr that diverged before any validation: no accuracy, and no convergence
				for _, g := range gs {
					if g.Params[lrAxis] == end.lr && divergedEarly(g) {
						failed = g.Failed
					}
					if g.BestValAcc.N == 0 {
						continue
					}
					best = math.Max(best, g.BestValAcc.Mean)
					if g.Params[lrAxis] == end.lr {
						at = g.BestValAcc.Mean
					}
				}
				if math.IsInf(best, -1) || math.IsNaN(at) && failed == 0 {
					continue
				}
				for _, g := range gs {
					if g.BestValAcc.N > 0 {
						seeds.add(g.BestValAcc.N)
					}
				}
				settings++
				if failed > 0 {
					// Diverged where another rate trained: the claim at its
					// plainest (it was left out, and an lr that diverged in
					// every setting made the claim "not testable here").
					seeds.add(failed)
					diverged++
					worse++
				} else if at < best-0.01 {
					worse++
				}
			}
			evidence := fmt.Sprintf("lr=%s was more than one point below the best learning rate in %d of %s", end.lr, worse, plural(settings, "setting"))
			if diverged > 0 {
				evidence += fmt.Sprintf(" (in %d of them it diverged)", diverged)
			}
			out = append(out, Conclusion{Claim: end.claim, Verdict: verdict(worse, settings), Seeds: seeds, Evidence: evidence})
		}
		// Sigmoid with a small learning rate under SGD: vanishing gradients.
		var accs []string
		var seeds SeedRange
		low := 0
		for _, g := range groups {
			if setting(f, g, "activation") == "sigmoid" && g.Params[lrAxis] == lrs[0] && setting(f, g, "optimizer") == "sgd" && g.BestValAcc.N > 0 {
				accs = append(accs, fmt.Sprintf("%s: %.4f", setting(f, g, "model"), g.BestValAcc.Mean))
				seeds.add(g.BestValAcc.N)
				if g.BestValAcc.Mean < 0.5 {
					low++
				}
			}
		}
		evidence := fmt.Sprintf("best validation accuracy with SGD, sigmoid, lr=%s: %s (below 0.5 counts as not fitted)", lrs[0], strings.Join(accs, ", "))
		if len(accs) == 0 {
			evidence = fmt.Sprintf("no setting with SGD, sigmoid and lr=%s has a validation accuracy", lrs[0])
		}
		out = append(out, Conclusion{Claim: "With sigmoid and a small learning rate (SGD) the network cannot be fitted", Verdict: verdict(low, len(accs)), Seeds: seeds, Evidence: evidence})
	}
	return out
}

// pairEvidence is the evidence line of a comparison of two values of the
// setting flag (see Compare).
func pairEvidence(flag string, c Comparison) string {
	if c.Axis == "" {
		return fmt.Sprintf("the study does not vary the %s", flag)
	}
	if c.Pairs == 0 {
		return noPairEvidence(c.Axis+"="+c.A, c.Axis+"="+c.B, "a validation accuracy", c.Unpaired, c.BothDiverged)
	}
	s := fmt.Sprintf("%s beat %s in %d of %s", c.A, c.B, c.AWin, plural(c.Pairs, "matched setting"))
	if c.Seeds.Min >= 2 {
		s += fmt.Sprintf(", %d of them by more than two standard errors", c.AWinClear)
	}
	notes := divergedNotes(c.B, c.BDiverged, c.A, c.ADiverged)
	if c.BothDiverged > 0 {
		notes = append(notes, fmt.Sprintf("both diverged in %d more, not counted", c.BothDiverged))
	}
	notes = append(notes, c.Unpaired.parts(c.A, c.B, "a validation accuracy", " more, not counted")...)
	if c.Both > 0 {
		// None without a pair that both trained: 0 would read as a measured accuracy.
		means := fmt.Sprintf("mean best val accuracy %.4f vs %.4f", c.MeanA, c.MeanB)
		if c.Both < c.Pairs {
			means += fmt.Sprintf(" in the %s where both trained", plural(c.Both, "setting"))
		}
		notes = append(notes, means)
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	return s
}

// divergedNotes says in how many pairs each side diverged before its first
// validation (a loss for it), the loser's side first: "sgd diverged before
// its first validation in 2", "adam in 1".
func divergedNotes(b string, bDiverged int, a string, aDiverged int) []string {
	var notes []string
	for _, d := range []struct {
		side string
		n    int
	}{{b, bDiverged}, {a, aDiverged}} {
		if d.n == 0 {
			continue
		}
		if len(notes) == 0 {
			notes = append(notes, fmt.Sprintf("%s diverged before its first validation in %d", d.side, d.n))
		} else {
			notes[0] += fmt.Sprintf(", %s in %d", d.side, d.n)
		}
	}
	return notes
}

// axisFor is the name of f's axis of the setting of flag, whichever of
// its names the study gave it ("model" or "model.name"), or "" when f does
// not vary it: a claim compares the values of an axis however it is named
// (with "model.name" the CNN-vs-MLP claim was "not testable here").
func axisFor(f File, flag string) string {
	for _, a := range f.Axes {
		if fd, ok := run.Lookup(a.Name); ok && fd.Flag == flag {
			return a.Name
		}
	}
	return ""
}

// setting is g's value of the setting of flag: its axis's value, or the
// study's fixed one ("" when the study sets neither).
func setting(f File, g GroupSummary, flag string) string {
	if a := axisFor(f, flag); a != "" {
		return g.Params[a]
	}
	for k, v := range f.Fixed {
		if fd, ok := run.Lookup(k); ok && fd.Flag == flag {
			return v
		}
	}
	return ""
}

// Report writes dir/report/: PNG plots, report.md and a self-contained
// report.html, all from one reading of the cells, holding the study
// folder's lock (see lockStudy; waiting for it, said on log, while another
// process holds it) so that two reports, or a report and a merge, never mix
// their files. It returns the markdown path.
func Report(dir string, log io.Writer) (string, error) {
	noStudy := &SettingError{fmt.Sprintf("%s is no study folder: it has no study.json (study run and study merge write one)", dir)}
	if _, err := os.Stat(filepath.Join(dir, "study.json")); errors.Is(err, fs.ErrNotExist) {
		return "", noStudy // before the lock, which would create dir
	}
	lock, err := lockStudy(dir, "written", log)
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	f, cells, err := LoadResults(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", noStudy
	}
	if err != nil {
		return "", err
	}
	if beforeStudyWrite != nil {
		beforeStudyWrite(dir, "report")
	}
	if len(cells) == 0 {
		return "", noCompleteCells(dir, f)
	}
	out := filepath.Join(dir, "report")
	if err := os.MkdirAll(out, 0o777); err != nil {
		return "", err
	}
	cells, noHist := withHistory(cells)
	cells, short, long := currentCells(f, cells)
	if len(cells) == 0 {
		why := []string{fmt.Sprintf("%s with fewer: `study run` extends them", plural(short, "cell"))}
		if len(long) > 0 {
			why = append(why, longerLine(long))
		}
		if len(noHist) > 0 {
			why = append(why, noHistoryLine(noHist))
		}
		return "", fmt.Errorf("%s: no cells trained the study's epochs and steps to report (%s)", dir, strings.Join(why, "; "))
	}
	if len(long) > 0 {
		fmt.Fprintf(log, "report: left out %s\n", longerLine(long))
	}
	if len(noHist) > 0 {
		fmt.Fprintf(log, "report: left out %s\n", noHistoryLine(noHist))
	}
	groups := Summarise(f, cells)
	var figs []string // PNG names, in order
	for _, a := range f.Axes {
		if len(a.Values) < 2 {
			continue
		}
		name := "by-" + a.Name + ".png"
		if err := overlayPlot(filepath.Join(out, name), f, groups, a.Name); err != nil {
			return "", err
		}
		figs = append(figs, name)
	}
	for i, g := range groups {
		h := &engine.History{}
		for e := range g.MeanValAcc {
			h.Append(e, engine.Logs{"loss": at(g.MeanTrainLoss, e), "accuracy": at(g.MeanTrainAcc, e),
				"val_loss": at(g.MeanValLoss, e), "val_accuracy": g.MeanValAcc[e]}, 0)
		}
		name := fmt.Sprintf("cell-%03d.png", i+1)
		if err := HistoryPlot(filepath.Join(out, name), strings.ReplaceAll(g.Group, ",", " "), h); err != nil {
			return "", err
		}
		figs = append(figs, name)
	}
	conclusions := Conclusions(f, groups)
	epochs := 0
	for _, c := range cells {
		if c.History != nil {
			epochs = max(epochs, len(c.History.Logs))
		}
	}
	md := markdown(f, groups, conclusions, figs, len(cells), short, long, noHist, epochs)
	mdPath := filepath.Join(out, "report.md")
	if err := engine.WriteFileAtomic(mdPath, func(w io.Writer) error { _, err := io.WriteString(w, md); return err }); err != nil {
		return "", err
	}
	page, err := htmlPage(out, f, md)
	if err != nil {
		return "", err
	}
	if err := engine.WriteFileAtomic(filepath.Join(out, "report.html"), func(w io.Writer) error { _, err := io.WriteString(w, page); return err }); err != nil {
		return "", err
	}
	return mdPath, nil
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return math.NaN()
}

// currentCells leaves out the cells that trained fewer epochs than the
// study asks of them, or that a smaller step budget than the study's
// max-steps stopped (a folder extended by --epochs or a larger max-steps,
// or a merge of extended shards, before those cells were extended): the
// report would compare them with cells of the new length. A diverged cell is a result
// at any length. Nor does it keep the cells trained past the study's
// epochs (longerCell). It returns the others, how many shorter ones it
// left out, and the longer ones.
func currentCells(f File, cells []CellResult) ([]CellResult, int, []LongerCell) {
	var kept []CellResult
	var long []LongerCell
	short := 0
	for _, c := range cells {
		want := cellNumber(f, c.Cell, "epochs")
		if l, ok := longerCell(f, c); ok {
			long = append(long, l)
			continue
		}
		if !c.Failed && (want > 0 && c.Result.Planned < want || f.setsMaxSteps() && budgetRaised(&c.Result, cellNumber(f, c.Cell, "max-steps"))) {
			short++
			continue
		}
		kept = append(kept, c)
	}
	return kept, short, long
}

// LongerCell is a cell trained past the plan its study asks of it: more
// epochs, or more steps than its max-steps. `train --resume CELL --epochs
// N` (or --max-steps) trained one so before it was refused (cmd/mnistgpu
// studyCellPlanned). A run cannot be shortened, so the study keeps it as
// complete, but it is not the study's result: compared with the others it
// read as the study's setting ("up to 4 epochs each").
type LongerCell struct {
	Key    string
	Epochs int // trained, or planned where the run planned more (early stopping ended it)
	Study  int // the epochs the study asks of it; Epochs > Study when longer in epochs
	// Steps and Budget: the steps trained and the study's max-steps
	// (Budget 0 when the cell is longer in epochs alone).
	Steps  uint64
	Budget int
}

// longerCell reports whether c trained, or was planned, past the epochs f
// asks of it (f setting them), diverged or not, or trained more steps than
// the max-steps f gives it.
func longerCell(f File, c CellResult) (LongerCell, bool) {
	epochs := c.Result.Planned
	if c.History != nil {
		epochs = max(epochs, len(c.History.Logs))
	}
	return pastPlan(f, c.Cell, c.Key, epochs, c.Result.Steps, c.Failed)
}

// pastPlan reports whether cell c of f (its folder's name key), which
// trained, or planned, epochs and trained steps, went past the epochs f
// asks of it, or (not diverged) past the max-steps f gives it.
func pastPlan(f File, c Cell, key string, epochs int, steps uint64, diverged bool) (LongerCell, bool) {
	l := LongerCell{Key: key, Epochs: epochs, Study: cellNumber(f, c, "epochs"), Steps: steps}
	if b := cellNumber(f, c, "max-steps"); f.setsMaxSteps() && b > 0 && !diverged && steps > uint64(b) {
		l.Budget = b
	}
	return l, l.Study > 0 && l.Epochs > l.Study || l.Budget > 0
}

// Past is what l trained past the study's plan: "2 epochs, more than the
// study's 1", "4 steps, more than the study's max-steps 2", or both.
func (l LongerCell) Past() string {
	var past []string
	if l.Study > 0 && l.Epochs > l.Study {
		past = append(past, fmt.Sprintf("%s, more than the study's %d", plural(l.Epochs, "epoch"), l.Study))
	}
	if l.Budget > 0 {
		past = append(past, fmt.Sprintf("%s, more than the study's max-steps %d", plural(int(l.Steps), "step"), l.Budget))
	}
	return strings.Join(past, "; ")
}

// longerLine names the longer cells, each with what it trained past the
// study's: "optimizer=sgd,seed=1 (2 epochs, more than the study's 1), …".
func longerLine(long []LongerCell) string {
	names := make([]string, len(long))
	for i, l := range long {
		names[i] = fmt.Sprintf("%s (%s)", l.Key, l.Past())
	}
	return fmt.Sprintf("%s, trained past the study's plan outside the study (by `train --resume`): "+
		"compared with the others, such a cell would read as the study's setting; "+
		"move it out of cells/ and `study run` trains the cell to the study's plan, or extend the whole study to it (`study run --epochs`, a larger max-steps in the study file)",
		strings.Join(names, ", "))
}

// cellNumber is what f gives cell c for flag (its axis's value, or the
// fixed one), or 0 when f sets none (each cell's default): the epochs and
// the step budget (max-steps) the study asks of a cell.
func cellNumber(f File, c Cell, flag string) int {
	fd, _ := run.Lookup(flag)
	name, fixed, axis, ok := f.Setting(fd)
	if !ok {
		return 0
	}
	if axis {
		fixed = c.Params[name]
	}
	n, _ := strconv.Atoi(fixed)
	return n
}

// seedList is "seed 1" or "seeds 1, 2, 3".
func seedList(seeds []uint64) string {
	s := make([]string, len(seeds))
	for i, x := range seeds {
		s[i] = strconv.FormatUint(x, 10)
	}
	if len(s) == 1 {
		return "seed " + s[0]
	}
	return "seeds " + strings.Join(s, ", ")
}

func markdown(f File, groups []GroupSummary, cs []Conclusion, figs []string, cells, short int, long []LongerCell, noHist []CellResult, epochs int) string {
	var b strings.Builder
	complete := plural(cells, "complete cell")
	if all := f.size(); cells < all {
		// A shard, or a study still running or with failed cells: said,
		// since its table and verdicts read as the whole study's.
		others := "not run yet, running, failed, or in other shards"
		var lengths, left []string
		if short > 0 {
			lengths = append(lengths, "shorter")
		}
		if len(long) > 0 {
			lengths = append(lengths, "longer")
		}
		if len(lengths) > 0 {
			left = append(left, strings.Join(lengths, " or ")+" than the study asks for")
		}
		if len(noHist) > 0 {
			left = append(left, "without their history")
		}
		if len(left) > 0 {
			others = "not run yet, running, failed, in other shards, or " + strings.Join(left, ", or ") + " (below)"
		}
		complete = fmt.Sprintf("%d of the study's %d cells complete (the others are %s: `study run` trains them, `study merge` gathers shards; each setting's seeds column counts its complete ones)", cells, all, others)
	}
	span := "up to " + plural(epochs, "epoch") + " each"
	if epochs == 0 { // a step budget within the first epoch, or divergence there
		span = "none of which ended an epoch"
	}
	fmt.Fprintf(&b, "# Study %q\n\n%s, %s, %s.\n\n", f.Name, complete, span, seedList(f.Seeds))
	if short > 0 {
		fmt.Fprintf(&b, "Left out: %s with fewer epochs than the study asks for, or stopped by a smaller step budget (max-steps), trained before it was extended (`study run` extends them; `study merge` takes them from shards that did).\n\n", plural(short, "cell"))
	}
	if len(long) > 0 {
		fmt.Fprintf(&b, "Left out: %s.\n\n", longerLine(long))
	}
	if len(noHist) > 0 {
		fmt.Fprintf(&b, "Left out: %s.\n\n", noHistoryLine(noHist))
	}
	b.WriteString("## The report's conclusions\n\n| claim | verdict | seeds | evidence |\n|---|---|---|---|\n")
	var seeds SeedRange
	for _, c := range cs {
		fmt.Fprintf(&b, "| %s | **%s** | %s | %s |\n", c.Claim, c.Verdict, c.Seeds, c.Evidence)
		if c.Seeds.Max > 0 {
			seeds.add(c.Seeds.Min)
			seeds.add(c.Seeds.Max)
		}
	}
	switch {
	case seeds.Max == 1:
		b.WriteString("\nEvery verdict that compares settings rests on one seed per setting: a difference smaller than the spread between seeds cannot be told from chance. Run the study with `--seeds 3` (or more) for a spread.\n")
	case seeds.Max > 1:
		b.WriteString("\nThe seeds column is how many seeds (runs with a result) stand behind each setting a verdict compares; a setting's value is their mean. " +
			"A win \"by more than two standard errors\" is one where the two means differ by more than twice the standard error of their difference, " +
			"√(s₁²/n₁ + s₂²/n₂) (s: a setting's standard deviation over its n seeds), or where two or more seeds trained on one side and two or more diverged on the other. " +
			"With few seeds it is a lenient test: a t-test at 95% asks for about 4.3 standard errors with two seeds on each side, 2.8 with three.\n")
	}
	if epochs == 0 {
		b.WriteString("\nThe report trained 100 epochs; no cell of this study ended one, so no claim about convergence can be weighed.\n")
	} else if epochs < 10 {
		first := "the first epochs"
		if epochs == 1 {
			first = "the first epoch"
		}
		fmt.Fprintf(&b, "\nThe report trained 100 epochs; this study ran %s, so claims about convergence speak of %s only.\n", plural(epochs, "epoch"), first)
	}
	b.WriteString("\n## Results (mean ± std over seeds)\n\n| setting | seeds | best val accuracy | test accuracy at best checkpoint | epochs to 98% | s to 98% | epochs to 99% | s to 99% |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range groups {
		setting := g.Group
		if setting == "" {
			setting = "(one setting)" // a study without axes
		}
		seeds := fmt.Sprint(g.Seeds)
		if g.Failed > 0 {
			seeds += fmt.Sprintf(" (%d diverged)", g.Failed)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", setting, seeds, g.BestValAcc, g.TestAccAtBest,
			g.EpochsTo98.Format(1), g.SecondsTo98.Format(1), g.EpochsTo99.Format(1), g.SecondsTo99.Format(1))
	}
	b.WriteString("\n## Figures\n\n")
	for _, fig := range figs {
		fmt.Fprintf(&b, "![%s](%s)\n\n", fig, fig)
	}
	return b.String()
}

// htmlPage renders the markdown's content as HTML with the PNGs inlined.
func htmlPage(dir string, f File, md string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Study %s</title>\n", html.EscapeString(f.Name))
	b.WriteString("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px}img{max-width:100%}</style></head><body>\n")
	inTable := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(line[2:]))
		case strings.HasPrefix(line, "## "):
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(line[3:]))
		case strings.HasPrefix(line, "|---"):
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			tag := "td"
			if !inTable {
				b.WriteString("<table>\n")
				inTable, tag = true, "th"
			}
			b.WriteString("<tr>")
			for _, c := range cells {
				c = strings.TrimSpace(c)
				c = html.EscapeString(strings.Trim(c, "*"))
				fmt.Fprintf(&b, "<%s>%s</%s>", tag, c, tag)
			}
			b.WriteString("</tr>\n")
		case strings.HasPrefix(line, "!["):
			name := line[strings.Index(line, "(")+1 : len(line)-1]
			raw, err := engine.ReadFile(filepath.Join(dir, name), "plot", engine.MaxRecordFile)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "<p><img alt=\"%s\" src=\"data:image/png;base64,%s\"></p>\n", html.EscapeString(name), base64.StdEncoding.EncodeToString(raw))
		default:
			if inTable {
				b.WriteString("</table>\n")
				inTable = false
			}
			if strings.TrimSpace(line) != "" {
				fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(line))
			}
		}
	}
	if inTable {
		b.WriteString("</table>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String(), nil
}
