package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// ResultFile is what a finished training run leaves in its folder (written
// last and atomically, so its presence means the cell is complete).
const ResultFile = run.ResultFile

// Result is a finished run's summary.
type Result = run.Result

// TrainCell trains one cell: a new run of cfg, or (resume) the continuation
// of the run in cfg.Output.Dir to cfg.Epochs.
type TrainCell func(cfg run.Config, resume bool) error

// FailedError says how many cells failed; their errors are in their
// folders' failed.txt, and running the study again retries them.
type FailedError struct{ Failed, Of int }

func (e *FailedError) Error() string {
	return fmt.Sprintf("%d of %d cells failed (each cell's error is in its failed.txt); run the study again to retry them", e.Failed, e.Of)
}

// Prepare validates the study and its output folder before anything is
// written: every cell's configuration (see File.Configs), and that dir holds
// no other study. A folder holding the same study with fewer epochs is
// accepted: its cells are extended.
func Prepare(f File, dir string, base run.Config) ([]Cell, []run.Config, error) {
	cells, cfgs, err := f.Configs(base, dir)
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "study.json"))
	if os.IsNotExist(err) {
		return cells, cfgs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	old, err := Parse(filepath.Join(dir, "study.json"), raw)
	if err != nil {
		return nil, nil, err
	}
	_, oldCfgs, err := old.Configs(base, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "study.json"), err)
	}
	if diff := studyDiff(old, f, oldCfgs, cfgs); diff != "" {
		return nil, nil, &SettingError{fmt.Sprintf("%s holds another study (%s); use another --out, or the same settings", dir, diff)}
	}
	return cells, cfgs, nil
}

// studyDiff names the first difference between the study in a folder and
// the one asked for, or "" when the new one is the same or only trains
// longer.
func studyDiff(old, cur File, oldCfgs, cfgs []run.Config) string {
	oldKeys, curKeys := map[string]bool{}, map[string]bool{}
	for _, c := range old.Cells() {
		oldKeys[c.Key(old.Axes)] = true
	}
	for _, c := range cur.Cells() {
		curKeys[c.Key(cur.Axes)] = true
	}
	if len(oldKeys) != len(curKeys) || old.Name != cur.Name {
		return fmt.Sprintf("study %q of %d cells there, %q of %d asked for", old.Name, len(oldKeys), cur.Name, len(curKeys))
	}
	for k := range curKeys {
		if !oldKeys[k] {
			return fmt.Sprintf("cell %s is not in it", k)
		}
	}
	for i := range cfgs {
		a, b := oldCfgs[i], cfgs[i]
		if b.Epochs < a.Epochs {
			return fmt.Sprintf("epochs: %d there, %d asked for (a study can be extended, not shortened)", a.Epochs, b.Epochs)
		}
		b.Epochs = a.Epochs
		b.Device, b.Source = a.Device, a.Source // where it runs, not what it computes
		if d := run.Diff(a, b); len(d) > 0 {
			return d[0] + " (there vs asked for)"
		}
	}
	return ""
}

// Run trains every cell of the shard that is not complete, in order: a
// complete cell is skipped, an interrupted one (or one with fewer epochs
// than asked for) continues from its last epoch, a failed one is tried
// again. A cell that diverges (NaN) is a result and is recorded as such; any
// other failure is recorded in the cell's failed.txt, and Run returns a
// *FailedError after trying the rest.
func Run(f File, dir string, shard Shard, base run.Config, train TrainCell, log io.Writer) error {
	cells, cfgs, err := Prepare(f, dir, base)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := engine.WriteFileAtomic(filepath.Join(dir, "study.json"), func(w io.Writer) error { _, err := w.Write(spec); return err }); err != nil {
		return err
	}
	var mine []int
	for i, c := range cells {
		if shard.Has(c.Index) {
			mine = append(mine, i)
		}
	}
	start := time.Now()
	ran, failed := 0, 0
	for n, i := range mine {
		c, cfg := cells[i], cfgs[i]
		key, cellDir := c.Key(f.Axes), cfgs[i].Output.Dir
		if complete(cellDir, cfg.Epochs) {
			fmt.Fprintf(log, "[%d/%d] %s: already complete\n", n+1, len(mine), key)
			continue
		}
		_, err := os.Stat(filepath.Join(cellDir, run.StateFile))
		resume := err == nil
		eta := ""
		if ran > 0 {
			per := time.Since(start) / time.Duration(ran)
			eta = fmt.Sprintf(", about %s left", (per * time.Duration(len(mine)-n)).Round(time.Second))
		}
		fmt.Fprintf(log, "[%d/%d] %s%s\n", n+1, len(mine), key, eta)
		os.Remove(filepath.Join(cellDir, FailureFile)) // tried again
		err = train(cfg, resume)
		ran++
		var div *run.DivergedError
		switch {
		case err == nil:
		case errors.As(err, &div):
			fmt.Fprintf(log, "    %s diverged: %v\n", key, div.Err)
			if werr := writeDiverged(cellDir, div); werr != nil {
				return werr
			}
		default:
			failed++
			fmt.Fprintf(log, "    %s failed: %v\n", key, err)
			if werr := writeFailure(cellDir, err); werr != nil {
				return werr
			}
		}
	}
	fmt.Fprintf(log, "shard %d/%d: %d cells, %d run now, %d failed, in %s\n", shard.K, shard.N, len(mine), ran, failed, time.Since(start).Round(time.Second))
	if failed > 0 {
		return &FailedError{Failed: failed, Of: len(mine)}
	}
	return nil
}

// complete reports whether the cell in dir finished (or diverged) with at
// least epochs planned.
func complete(dir string, epochs int) bool {
	raw, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		return false
	}
	var r struct {
		Failed  bool `json:"failed"`
		Planned int  `json:"epochs_planned"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return false
	}
	return r.Failed || r.Planned >= epochs
}

// FailureFile holds the error of a cell's last failed attempt.
const FailureFile = "failed.txt"

func writeFailure(dir string, cause error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, cause.Error()+"\n"); return err }
	return engine.WriteFileAtomic(filepath.Join(dir, FailureFile), write)
}

// writeDiverged records a diverged cell as complete: its history up to the
// failure is kept, and the report counts it as diverged.
func writeDiverged(dir string, cause error) error {
	if err := writeFailure(dir, cause); err != nil {
		return err
	}
	return engine.WriteFileAtomic(filepath.Join(dir, ResultFile), func(w io.Writer) error {
		_, err := io.WriteString(w, `{"failed": true, "diverged": true}`+"\n")
		return err
	})
}

// Merge copies the complete cells of shard folders into dir; a cell that is
// complete in several shards is taken from the last one listed (a finished
// cell is the same run wherever it ran).
func Merge(dir string, shards []string) error {
	for _, s := range shards {
		entries, err := os.ReadDir(filepath.Join(s, "cells"))
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		if err := copyFile(filepath.Join(s, "study.json"), filepath.Join(dir, "study.json")); err != nil {
			return err
		}
		for _, e := range entries {
			src := filepath.Join(s, "cells", e.Name())
			if _, err := os.Stat(filepath.Join(src, ResultFile)); err != nil {
				continue // incomplete in this shard
			}
			dst := filepath.Join(dir, "cells", e.Name())
			if err := copyDir(src, dst); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return engine.WriteFileAtomic(dst, func(w io.Writer) error { _, err := w.Write(raw); return err })
}
