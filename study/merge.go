package study

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// Merge copies the complete cells of shard folders into dir (readCell: a
// cell whose result.json is older than its state is left out, said on
// log, as is a folder that is no cell of the study's grid: outsideGrid);
// of a cell complete in several shards, or also in dir, a copy within the
// study's plan over one trained past it, then the copy that trained the
// most is kept, the last shard's where they trained as much (a finished
// cell is the same run wherever it ran; see longest). It
// writes dir's results.csv.
//
// Everything is checked before dir is written: every shard is a folder of
// one and the same study (the same study.json), dir is no shard, holds no
// run and no other study (but the shards' with fewer epochs or seeds: an
// earlier merge, which the shards extend), and nobody else writes it: Merge
// holds dir's lock (run.LockFile) from the checks to results.csv and each
// cell's while it copies it. A `study run`, report or another merge holding dir's lock
// is waited for, as they wait for each other (lockStudy, said on log),
// since they hold it for moments, not mixed with; a shard's cell that its
// `study run` holds is refused naming its holder, before anything is
// written (mergeCell).
func Merge(dir string, shards []string, log io.Writer) error {
	if dir == "" {
		return &SettingError{"--out must name the merged study folder, got \"\""}
	}
	if err := checkNoRun(dir); err != nil {
		return err
	}
	spec, err := mergeSpec(dir, shards)
	if err != nil {
		return err
	}
	if err := checkMergeFolders(dir, shards); err != nil {
		return err
	}
	if err := checkNotAStudysOwn(dir); err != nil {
		return err
	}
	cells, stale, unreadable, unfinished, err := completeCells(shards)
	if err != nil {
		return err
	}
	f, err := Parse(filepath.Join(shards[0], "study.json"), spec)
	if err != nil {
		return err
	}
	cells, stray := outsideGrid(f, cells)
	for _, src := range cells {
		if _, err := untrained(src.dir, nil); err != nil {
			return err
		}
	}
	// The folder's own cells, from an earlier merge, stay beside the new.
	here, _, _, _, err := completeCells([]string{dir})
	if err != nil {
		return err
	}
	if err := oneDataSet(append(here, cells...)); err != nil {
		return err
	}
	lock, err := lockStudy(dir, "written", log)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	// Which copy of each cell is the longest, the folder's as they are
	// under its lock (another merge may have written them meanwhile).
	if here, _, _, _, err = completeCells([]string{dir}); err != nil {
		return err
	}
	withPlan(f, here)
	withPlan(f, cells)
	copies, kept := longest(here, cells)
	// Under the lock: the folder's own study.json, if any, is the shards',
	// or the shards' extend it (see mergespec.go).
	if old, err := engine.ReadFile(filepath.Join(dir, "study.json"), "study file", maxStudyFile); err == nil && !bytes.Equal(old, spec) {
		if err := mergeOver(dir, old, spec, shards[0]); err != nil {
			return err
		}
	}
	// Every copy is made into a staging folder of dir first: a copy that
	// fails (a file it cannot read, a full disk, a cell trained on
	// meanwhile) leaves dir as it was, and the folder is removed. Only then
	// are the copies renamed into cells/ and study.json written.
	for _, src := range copies {
		// A cell of dir that a study run there trains is refused before
		// anything is copied, as a shard's is (installCell asks again).
		dst := filepath.Join(dir, "cells", filepath.Base(src.dir))
		if who, held := run.HeldBy(dst); held {
			return &SettingError{fmt.Sprintf("merge: %s is being trained by %s: merge when that has ended", dst, (&run.LockedError{Dir: dst, Holder: who}).Who())}
		}
	}
	removeStaleStaging(dir, log)
	stage, err := os.MkdirTemp(dir, stagingPrefix)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	defer os.RemoveAll(stage)
	staged := make([]string, len(copies))
	for i, src := range copies {
		if err := lock.Check(); err != nil {
			return err
		}
		staged[i] = filepath.Join(stage, filepath.Base(src.dir))
		if err := stageCell(src, staged[i]); err != nil {
			return err
		}
	}
	if err := engine.WriteFileAtomic(filepath.Join(dir, "study.json"), func(w io.Writer) error { _, err := w.Write(spec); return err }); err != nil {
		return err
	}
	for i, src := range copies {
		if err := lock.Check(); err != nil {
			return err
		}
		longer, err := installCell(f, src, staged[i], filepath.Join(dir, "cells", filepath.Base(src.dir)))
		if err != nil {
			return err
		}
		if longer != nil {
			kept = append(kept, *longer)
		}
	}
	if line := keptLine(kept); line != "" {
		fmt.Fprintln(log, line)
	}
	if line := strayLine(f.Name, stray); line != "" {
		fmt.Fprintln(log, line)
	}
	if line := staleLine(stale); line != "" {
		fmt.Fprintln(log, line)
	}
	if line := unreadableLine(unreadable); line != "" {
		fmt.Fprintln(log, line)
	}
	if line := unfinishedLine(unfinished); line != "" {
		fmt.Fprintln(log, line)
	}
	return writeResultsCSV(dir, log) // under the lock taken above
}

// completeCells lists the shards' complete cells (readCell), shard by
// shard in the order given, the cells whose result.json is older than
// their state (continued, then stopped before their end: stale), and those
// whose state cannot be read (unreadable), and the folders of those that
// have no result.json (unfinished: training, stopped, killed or failed).
func completeCells(shards []string) (cells []mergeSource, stale []*run.StaleResultError, unreadable []*run.UnreadableStateError, unfinished []string, err error) {
	for _, s := range shards {
		entries, err := os.ReadDir(filepath.Join(s, "cells"))
		if os.IsNotExist(err) {
			continue // a shard with no cells
		}
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("merge: %w", err)
		}
		for _, e := range entries {
			src := filepath.Join(s, "cells", e.Name())
			if st, err := os.Stat(src); err != nil || !st.IsDir() {
				// No cell: a file beside the cells (a .DS_Store, notes),
				// which `study run` and the report pass over, failed the
				// merge as "cells/.DS_Store/result.json: not a directory".
				continue
			}
			c, err := readCell(src)
			var se *run.StaleResultError
			var ue *run.UnreadableStateError
			switch {
			case errors.As(err, &se):
				stale = append(stale, se)
			case errors.As(err, &ue):
				unreadable = append(unreadable, ue)
			case errors.Is(err, fs.ErrNotExist):
				unfinished = append(unfinished, src)
			case err != nil:
				return nil, nil, nil, nil, fmt.Errorf("merge: %w", err)
			default:
				cells = append(cells, mergeSource{dir: src, trained: trainedOf(src, c)})
			}
		}
	}
	return cells, stale, unreadable, unfinished, nil
}

// oneDataSet refuses cells that trained on different MNIST files (their
// result.json's training and test sets; the split is each cell's setting):
// shards of one study run on two data sets merged into one study, whose
// report compared them.
func oneDataSet(cells []mergeSource) error {
	var first string
	var want run.DataPrint
	for _, src := range cells {
		c := src.dir
		r, err := run.ReadResult(c)
		if err != nil || r.TrainedOn == nil {
			continue // a diverged cell's result, or one of an earlier version: nothing recorded
		}
		got := run.DataPrint{Train: r.TrainedOn.Train, Test: r.TrainedOn.Test}
		if first == "" {
			first, want = c, got
			continue
		}
		if d := want.Differences(got); len(d) > 0 {
			return &SettingError{fmt.Sprintf("merge: %s and %s were trained on other data (%s): merge the shards of a study run on one data set",
				first, c, strings.Join(d, "; "))}
		}
	}
	return nil
}

// mergeSpec reads the shards' study.json, which must be one study's, and
// checks that dir is not inside a shard's cells (checkMergeFolders checks
// that it is no shard and holds none).
func mergeSpec(dir string, shards []string) ([]byte, error) {
	var spec []byte
	var first string
	for _, s := range shards {
		name := filepath.Join(s, "study.json")
		raw, err := engine.ReadFile(name, "study file", maxStudyFile)
		if err != nil {
			return nil, &SettingError{fmt.Sprintf("merge: %s is no study folder: %v", s, err)}
		}
		if _, err := Parse(name, raw); err != nil {
			return nil, &SettingError{fmt.Sprintf("merge: %v", err)}
		}
		if inCells(dir, s) {
			return nil, &SettingError{fmt.Sprintf("merge: --out %s is inside %s, the cells folder of shard %s, where a study reads every folder as a cell; merge into a folder outside it",
				dir, filepath.Join(s, "cells"), s)}
		}
		if spec == nil {
			spec, first = raw, s
		} else if !bytes.Equal(raw, spec) {
			if err := sameStudy(first, spec, s, raw); err != nil {
				return nil, err
			}
		}
	}
	return spec, nil
}

// inCells reports whether dir is the cells folder of the study folder
// shard, or inside it, whether or not dir or that folder exist yet: dir or
// a folder above it is that cells folder (the same file, however it is
// named or linked to), or is shard with "cells" the next name down.
func inCells(dir, shard string) bool {
	st, err := os.Stat(shard)
	if err != nil {
		return false
	}
	cells, cellsErr := os.Stat(filepath.Join(shard, "cells"))
	p, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for below := ""; ; below, p = filepath.Base(p), filepath.Dir(p) {
		if pst, err := os.Stat(p); err == nil {
			if (cellsErr == nil && os.SameFile(pst, cells)) || (below == "cells" && os.SameFile(pst, st)) {
				return true
			}
		}
		if filepath.Dir(p) == p {
			return false
		}
	}
}

// stageCell copies the complete cell from into staged, a folder of the
// merge's staging folder, result.json last.
//
// A shard's `study run` that extends or resumes a complete cell rewrites
// its history, checkpoints and weights one file at a time while its old
// result.json stays, and a copy then would mix the two runs: such a cell
// (its lock held) is refused before the copy, and after it when its lock
// is held then or its result.json changed meanwhile. The source's lock is
// only tried, never held through the copy, so that a study run reaching
// the cell is not turned away by a merge.
func stageCell(from mergeSource, staged string) error {
	src := from.dir
	result, err := untrained(src, nil)
	if err != nil {
		return err
	}
	if err := copyDir(src, staged, ResultFile); err != nil {
		return fmt.Errorf("merge: copying %s: %w", src, err)
	}
	if _, err := untrained(src, result); err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(staged, ResultFile), func(w io.Writer) error { _, err := w.Write(result); return err })
}

// installCell puts the staged copy of the cell from in place at dst under
// dst's lock: a `study run` that trains that cell in dst holds it, and is
// not written over. Its files are renamed in, result.json last: the cell is
// complete once that is there (it sorts before state.safetensors and the
// checkpoints), so an install stopped halfway leaves a cell that the study
// and the next merge take as incomplete, not one without its weights.
//
// A dst that trained more than from when its lock is taken (a study run in
// the merge folder extended it since the merge chose from), both within
// the plan of f or both past it, is kept: the copy is not put in place and
// is returned as kept over from. So is a dst past the plan that trained
// more than from (ownPast): its training may be held only here.
func installCell(f File, from mergeSource, staged, dst string) (*keptCopy, error) {
	lock, err := run.LockFolder(dst)
	var held *run.LockedError
	if errors.As(err, &held) {
		return nil, &SettingError{fmt.Sprintf("merge: %s is being trained by %s: merge when that has ended", dst, held.Who())}
	}
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if c, err := readCell(dst); err == nil {
		here := []mergeSource{{dir: dst, trained: trainedOf(dst, c)}}
		withPlan(f, here)
		if ownPast(here[0].trained, from.trained) {
			return &keptCopy{kept: here[0], lost: from, own: true}, nil
		}
		if from.trained.less(here[0].trained) {
			return &keptCopy{kept: here[0], lost: from}, nil
		}
	}
	if err := os.Remove(filepath.Join(dst, ResultFile)); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err := moveInto(staged, dst, ResultFile); err != nil {
		return nil, err
	}
	return nil, placeStaged(filepath.Join(staged, ResultFile), filepath.Join(dst, ResultFile))
}

// placeStaged puts the staged file from in place at to: renamed, or, where
// it cannot be (cells/ a link to another file system: "invalid
// cross-device link"), copied, as a merge copied before it staged.
func placeStaged(from, to string) error {
	err := renameStaged(from, to)
	if err == nil {
		return nil
	}
	if _, statErr := os.Stat(from); statErr != nil {
		return err // nothing there to copy
	}
	return copyFile(from, to)
}

// renameStaged is os.Rename (a variable so that tests can make it fail as
// across file systems).
var renameStaged = os.Rename

// moveInto renames src's files into dst (replacing those of the same
// name, keeping the others; placeStaged), folders and all, but for the
// file called skip (in src itself).
func moveInto(src, dst, skip string) error {
	return intoTree(src, dst, skip, false, placeStaged)
}

// untrained refuses the shard cell src while a process holds its lock (a
// shard folder that cannot be locked, read-only, is taken as it is) or
// when its result.json is no longer want (nil: any); it returns that file.
func untrained(src string, want []byte) ([]byte, error) {
	var held *run.LockedError
	if l, err := run.LockFolder(src); errors.As(err, &held) {
		return nil, &SettingError{fmt.Sprintf("merge: %s is being trained by %s: merge when that has ended", src, held.Who())}
	} else if err == nil {
		l.Unlock()
	}
	raw, err := engine.ReadFile(filepath.Join(src, ResultFile), "result file", engine.MaxRecordFile)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if want != nil && !bytes.Equal(raw, want) {
		return nil, &SettingError{fmt.Sprintf("merge: %s was trained further while it was copied: merge when that has ended", src)}
	}
	return raw, nil
}

// copyDir copies src's files into dst, but for the lock file and the file
// called skip (in src itself).
func copyDir(src, dst, skip string) error {
	return intoTree(src, dst, skip, true, copyFile)
}

// intoTree puts each file of src into dst by place, folders and all (a
// checkpoint template's folder: --checkpoint 'ck/{epoch}.safetensors'),
// but for the file called skip (in src itself) and, with noLock, the lock
// file at every level.
func intoTree(src, dst, skip string, noLock bool, place func(from, to string) error) error {
	if err := os.MkdirAll(dst, 0o777); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		var err error
		switch {
		case e.Name() == skip || noLock && e.Name() == run.LockFile:
			continue
		case e.IsDir():
			err = intoTree(from, to, "", noLock, place)
		default:
			err = place(from, to)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	raw, err := engine.ReadFile(src, "run file", engine.MaxStateFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return err
	}
	return engine.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err })
}
