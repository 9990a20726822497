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
}

func trainedOf(dir string, c cellRecord) trained {
	if c.Failed {
		return trained{epochs: epochsDone(dir), diverged: true}
	}
	return trained{epochs: c.Result.Epochs, steps: c.Result.Steps, planned: c.Result.Planned}
}

func (a trained) less(b trained) bool {
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

// keptCopy is a cell whose last shard's copy (short) trained less than
// the copy merged (long).
type keptCopy struct{ long, short mergeSource }

// longest returns the shard cells to copy: of each cell, the copy that
// trained the most among the merge folder's (here) and the shards' (in
// the order given; the later when two trained as much), unless that is
// the folder's own. kept lists the cells whose last shard's copy lost.
func longest(here, shards []mergeSource) (copies []mergeSource, kept []keptCopy) {
	best := map[string]mergeSource{}
	last := map[string]mergeSource{}
	var order []string
	for _, c := range here {
		best[filepath.Base(c.dir)] = c
	}
	for _, c := range shards {
		key := filepath.Base(c.dir)
		if _, seen := last[key]; !seen {
			order = append(order, key)
		}
		last[key] = c
		if b, ok := best[key]; !ok || !c.trained.less(b.trained) {
			best[key] = c
		}
	}
	for _, key := range order {
		b := best[key]
		if l := last[key]; l.trained.less(b.trained) {
			kept = append(kept, keptCopy{long: b, short: l})
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

// keptLine is the one line that names the cells whose longer copy was
// kept over the last shard's, or "" when there are none.
func keptLine(kept []keptCopy) string {
	if len(kept) == 0 {
		return ""
	}
	var each []string
	for _, k := range kept {
		each = append(each, fmt.Sprintf("%s: %s in %s, not %s in %s",
			filepath.Base(k.long.dir), k.long.trained, k.long.study(), k.short.trained, k.short.study()))
	}
	return fmt.Sprintf("merge: kept the copy that trained more of %s (a merge never replaces a cell with a shorter copy): %s",
		plural(len(kept), "cell"), strings.Join(each, "; "))
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
