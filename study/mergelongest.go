package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mnistgpu/run"
)

// A merge never loses training. Copies of one cell may have trained
// different lengths when a user mixes sources: an old copy of a shard
// beside its extended merge, or a shard whose extension has not reached
// that cell yet beside one where it has. Merge takes the copy that
// trained the most, the merge folder's own among them (the last shard
// listed when they trained as much), and says in one line which cells it
// kept over a shorter copy that the rule "the last shard listed" took
// before: a user extending a sweep wants the longer cell, and a refusal
// would only send them to reorder the shards by hand.
//
// But a copy trained past the study's plan (more epochs than the study
// gives the cell, or more steps than its max-steps: `train --resume CELL
// --epochs N` did so before it was refused) is no result of the study's
// (LongerCell): it won over the copy that trained the study's plan, and
// the report then left the cell out. A copy within the plan is kept over
// it, and the merge names the longer copy it left in one line of its own.

// mergeSource is a complete cell in a shard or in the merge folder.
type mergeSource struct {
	dir     string // the cell's folder: STUDY/cells/KEY
	trained trained
}

// study is the study folder holding the cell.
func (s mergeSource) study() string { return filepath.Dir(filepath.Dir(s.dir)) }

// trained is how far a complete cell trained: its epochs, then its
// optimizer steps (a step budget ends an epoch partway), then the epochs
// it planned (a cell that early stopping ended is complete for more).
type trained struct {
	epochs   int
	steps    uint64 // 0: not recorded (an early version, or diverged)
	planned  int
	diverged bool
	past     *LongerCell // what it trained past the study's plan (withPlan); nil: within it
}

// withPlan marks the copies of cells that trained past f's plan for them
// (pastPlan).
func withPlan(f File, cells []mergeSource) {
	grid := map[string]Cell{}
	for _, c := range f.Cells() {
		grid[c.Key(f.Axes)] = c
	}
	for i := range cells {
		cells[i].trained = cells[i].trained.against(f, grid, cells[i].dir)
	}
}

// against is t, the training of the cell in dir, marked when it trained
// past f's plan for that cell (a cell outside f's grid is not marked).
func (t trained) against(f File, grid map[string]Cell, dir string) trained {
	t.past = nil
	key := filepath.Base(dir)
	if c, ok := grid[key]; ok {
		if l, long := pastPlan(f, c, key, max(t.epochs, t.planned), t.steps, t.diverged); long {
			t.past = &l
		}
	}
	return t
}

func trainedOf(dir string, c cellRecord) trained {
	if c.Failed {
		return trained{epochs: epochsDone(dir), diverged: true}
	}
	return trained{epochs: c.Result.Epochs, steps: c.Result.Steps, planned: c.Result.Planned}
}

func (a trained) less(b trained) bool {
	if (a.past == nil) != (b.past == nil) {
		return a.past != nil // a copy within the study's plan is kept over one past it
	}
	return a.lessTraining(b)
}

// lessTraining reports whether a trained less than b, plan or not.
func (a trained) lessTraining(b trained) bool {
	switch {
	case a.epochs != b.epochs:
		return a.epochs < b.epochs
	case a.steps != b.steps:
		return a.steps < b.steps
	}
	return a.planned < b.planned
}

func (a trained) String() string {
	s := plural(a.epochs, "epoch")
	if a.steps > 0 {
		s += ", " + plural(int(a.steps), "step")
	}
	if a.diverged {
		s = "diverged after " + s
	}
	return s
}

// keptCopy is a cell whose copy lost (lost) trained less than the copy
// merged (kept), or trained past the study's plan where kept did not;
// replaced when lost is the merge folder's own, which kept replaces.
//
// own: kept is the merge folder's own copy, trained past the plan, and lost
// a shorter one within it: a merge removes no training that may be held
// only in its folder (see ownPast).
type keptCopy struct {
	kept, lost mergeSource
	replaced   bool
	own        bool
}

// ownPast reports whether the merge folder's copy here, trained past the
// study's plan, is kept over from, which trained less: the copy within the
// plan would replace training that may be held nowhere else (a cell
// resumed in the merge folder past the plan), so it is kept and named, and
// the user moves it out of cells/ to take the copy within the plan.
func ownPast(here, from trained) bool {
	return here.past != nil && from.lessTraining(here)
}

// overPast reports whether k kept a copy within the study's plan over one
// trained past it.
func (k keptCopy) overPast() bool { return k.kept.trained.past == nil && k.lost.trained.past != nil }

// longest returns the shard cells to copy: of each cell, the copy kept
// among the merge folder's (here) and the shards' (in the order given) —
// one within the study's plan over one past it (withPlan), then the one
// that trained the most, the later when two trained as much — unless that
// is the folder's own. kept lists the cells whose last shard's copy
// trained less than the one kept, and every copy past the plan left for
// one within it.
func longest(here, shards []mergeSource) (copies []mergeSource, kept []keptCopy) {
	best := map[string]mergeSource{}
	last := map[string]mergeSource{}
	all := map[string][]mergeSource{}
	var order []string
	own := map[string]mergeSource{}
	for _, c := range here {
		key := filepath.Base(c.dir)
		best[key] = c
		own[key] = c
		all[key] = append(all[key], c)
	}
	for _, c := range shards {
		key := filepath.Base(c.dir)
		if _, seen := last[key]; !seen {
			order = append(order, key)
		}
		last[key] = c
		all[key] = append(all[key], c)
		if b, ok := best[key]; !ok || !c.trained.less(b.trained) {
			best[key] = c
		}
	}
	for _, key := range order {
		b := best[key]
		if h, ok := own[key]; ok && h.dir != b.dir && ownPast(h.trained, b.trained) {
			kept = append(kept, keptCopy{kept: h, lost: b, own: true})
			continue
		}
		for _, c := range all[key] {
			if k := (keptCopy{kept: b, lost: c, replaced: isIn(here, c)}); k.overPast() {
				kept = append(kept, k)
			}
		}
		if l := last[key]; l.trained.less(b.trained) && (l.trained.past == nil) == (b.trained.past == nil) {
			kept = append(kept, keptCopy{kept: b, lost: l})
		}
		if !isIn(here, b) {
			copies = append(copies, b)
		}
	}
	return copies, kept
}

// isIn reports whether s is one of cells.
func isIn(cells []mergeSource, s mergeSource) bool {
	for _, c := range cells {
		if c.dir == s.dir {
			return true
		}
	}
	return false
}

// keptLine is what names the cells whose kept copy won over another: one
// line for those kept over a shorter copy, one for those kept within the
// study's plan over a copy past it ("" when there are none).
func keptLine(kept []keptCopy) string {
	var longer, within, owns []string
	for _, k := range kept {
		each := fmt.Sprintf("%s: %s in %s, not %s in %s",
			filepath.Base(k.kept.dir), k.kept.trained, k.kept.study(), k.lost.trained, k.lost.study())
		if k.own {
			owns = append(owns, each+" ("+k.kept.trained.past.Past()+")")
		} else if k.overPast() {
			past := k.lost.trained.past.Past()
			if k.replaced {
				past += "; the merge folder's own, replaced"
			}
			within = append(within, each+" ("+past+")")
		} else {
			longer = append(longer, each)
		}
	}
	var lines []string
	if len(longer) > 0 {
		lines = append(lines, fmt.Sprintf("merge: kept the copy that trained more of %s (a merge never replaces a cell with a shorter copy): %s",
			plural(len(longer), "cell"), strings.Join(longer, "; ")))
	}
	if len(within) > 0 {
		lines = append(lines, fmt.Sprintf("merge: kept the copy within the study's plan of %s over one trained past it (outside the study), left out: %s; "+
			"a copy past the plan is no result of the study's (its report leaves such a cell out), which the study can be extended to (`study run --epochs`, a larger max-steps in the study file)",
			plural(len(within), "cell"), strings.Join(within, "; ")))
	}
	if len(owns) > 0 {
		lines = append(lines, fmt.Sprintf("merge: kept the merge folder's own copy of %s, trained past the study's plan, over a shorter copy within it "+
			"(a merge removes no training its folder may alone hold; its report leaves such a cell out): %s; "+
			"move the cell out of the merge folder's cells/ and merge again to take the copy within the plan",
			plural(len(owns), "cell"), strings.Join(owns, "; ")))
	}
	return strings.Join(lines, "\n")
}

// staleLine is the one line that names the shard cells left out because
// their result.json is older than their state, or "" when there are none.
func staleLine(stale []*run.StaleResultError) string {
	if len(stale) == 0 {
		return ""
	}
	var each []string
	for _, s := range stale {
		each = append(each, fmt.Sprintf("%s (its result %s, its state %s)", s.Dir, plural(s.Result.Epochs, "epoch"), plural(s.StateEpochs, "epoch")))
	}
	return fmt.Sprintf("merge: left out %s whose %s is older than its %s (continued, and stopped before its end: run its shard again to finish it): %s",
		plural(len(stale), "cell"), ResultFile, run.StateFile, strings.Join(each, "; "))
}

// unfinishedLine is the one line that names the shard cells left out
// because they have no result.json ("" when none), shard folder by shard
// folder, each with what tells why: its failed.txt, or the process that
// holds its lock (training it now); the others stopped or were killed
// before their end. Running their shard again finishes them.
func unfinishedLine(unfinished []string) string {
	if len(unfinished) == 0 {
		return ""
	}
	var shards []string
	byShard := map[string][]string{}
	for _, c := range unfinished {
		shard := filepath.Dir(filepath.Dir(c)) // SHARD/cells/CELL
		if _, ok := byShard[shard]; !ok {
			shards = append(shards, shard)
		}
		what := filepath.Base(c)
		if who, held := run.HeldBy(c); held {
			what += " (" + (&run.LockedError{Dir: c, Holder: who}).Who() + " is training it)"
		} else if _, err := os.Stat(filepath.Join(c, FailureFile)); err == nil {
			what += " (failed: its " + FailureFile + " says why)"
		}
		byShard[shard] = append(byShard[shard], what)
	}
	var each []string
	for _, s := range shards {
		each = append(each, "in "+s+": "+strings.Join(byShard[s], ", "))
	}
	again := "run its shard again to finish it (a failed cell is retried), then merge again"
	if len(unfinished) > 1 {
		again = "run their shards again to finish them (a failed cell is retried), then merge again"
	}
	return fmt.Sprintf("merge: left out %s (no %s yet): %s; %s",
		plural(len(unfinished), "unfinished cell"), ResultFile, strings.Join(each, "; "), again)
}

// unreadableLine is the one line that names the shard cells left out
// because their state cannot be read ("" when none): their resume fails
// too, saying what to do.
func unreadableLine(unreadable []*run.UnreadableStateError) string {
	if len(unreadable) == 0 {
		return ""
	}
	var each []string
	for _, u := range unreadable {
		each = append(each, fmt.Sprintf("%s (%v)", u.Dir, u.Err))
	}
	return fmt.Sprintf("merge: left out %s whose %s cannot be read, so whether its %s is its run's cannot be told: %s",
		plural(len(unreadable), "cell"), run.StateFile, ResultFile, strings.Join(each, "; "))
}
