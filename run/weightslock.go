package run

import (
	"errors"
	"fmt"
	"path/filepath"

	"mnistgpu/engine"
)

// A --save-weights path outside the run's folder is no part of it, so the
// folder's lock does not cover it: two runs (or a run and a --config rerun
// of it) given one such path both trained, the last to end wrote over the
// first's final weights, and both result.json named the file. A run holds
// the path's own lock for as long as it runs, the same kind of lock as a
// folder's, in a file beside it: a second live writer of the path is
// refused at start. The kernel lets go of a SIGKILLed holder's lock, so the
// path is free at once; its .NAME.lock file stays beside the weights,
// unheld, until the next run given the path takes it over and, as any run
// that ends, removes it.

// weightsLockName is the lock file beside the weights file called base.
func weightsLockName(base string) string { return "." + base + LockFile }

// lockSaveWeights takes the lock of cfg's --save-weights path when it lies
// outside the run's folder (nil, nil otherwise), refusing (a *ValueError,
// exit 2) a path another process holds, naming that process, or a folder
// it cannot write. The path is taken with its links resolved (a link to a
// file is the file), so that two spellings of one file share the lock. Holding
// it, it removes the temporaries of the path that a writer killed while
// saving left beside it (removed, their names): no other is written there.
func lockSaveWeights(cfg Config) (*Lock, []string, error) {
	p := cfg.Output.SaveWeights
	if p == "" {
		return nil, nil, nil
	}
	// The file written: through a link, and in its folder with its links
	// resolved (RealPath), so that two spellings of one file share the
	// lock, and a link into the run's folder is in it.
	w := RealPath(engine.WriteTarget(p))
	if inside(RealPath(cfg.Output.Dir), w) {
		return nil, nil, nil
	}
	dir, base := filepath.Dir(w), filepath.Base(w)
	l, err := lockIn(dir, weightsLockName(base), false)
	var (
		held     *LockedError
		unusable *UnusableFolderError
		foreign  *ForeignLockFileError
	)
	switch {
	case errors.As(err, &held):
		holder := held.Holder
		if holder == "" {
			holder = "another process"
		}
		return nil, nil, &ValueError{Flag: "save-weights", Msg: fmt.Sprintf("%s is in use: %s is writing its final weights there (one writer per file); wait for it to end, stop it, or name another file", p, holder)}
	case errors.As(err, &foreign):
		foreign.Flag = "save-weights"
		return nil, nil, foreign
	case errors.As(err, &unusable):
		return nil, nil, &ValueError{Flag: "save-weights", Msg: fmt.Sprintf("%s: its folder cannot be written: %v", p, unusable.Err)}
	case err != nil:
		return nil, nil, err
	}
	return l, engine.RemoveStaleTemporaries(dir, func(target string) bool { return target == base }), nil
}
