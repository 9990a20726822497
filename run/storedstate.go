package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// noState explains why dir has no state to resume: no such folder, a run
// that never saved one (killed during its first epoch: started again by the
// same command without --resume, see claimOutput), or no run at all. It
// returns nil when the state file is there (or cannot be looked at: the
// load then says why).
func noState(dir string) error {
	_, err := os.Stat(filepath.Join(dir, StateFile))
	if !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	msg := fmt.Sprintf("%s: no such folder, so no run to continue", dir)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		msg = fmt.Sprintf("%s holds no run to continue (no %s)", dir, StateFile)
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
			msg = fmt.Sprintf("nothing is saved yet in %s: its run stopped during its first epoch, before any state was written; "+
				"the same command without --resume starts it", dir)
		}
		if _, err := os.Stat(filepath.Join(dir, ResultFile)); err == nil {
			// Its state removed (it is three times the weights' size): the
			// same command without --resume is refused, a folder holding
			// a run, which told it to pass --resume.
			msg = fmt.Sprintf("%s holds a finished run (%s) without its %s, from which alone a run continues: it cannot be extended; "+
				"start it again with --overwrite, or train a new run from its final weights with --init-weights and another --out", dir, ResultFile, StateFile)
		}
	}
	return &ValueError{Flag: "resume", Msg: msg}
}

// checkStored validates the configuration read from the state file at path
// as a new one is validated, and keeps the run's writes inside its folder:
// a checkpoint template must be a path within it (a state is data, and an
// edited one must not make a resume write elsewhere).
func checkStored(path string, cfg Config) error {
	bad := func(err error) error { return fmt.Errorf("%s: the run's settings: %w", path, err) }
	if err := cfg.ValidateRecorded(); err != nil {
		return bad(err)
	}
	if err := checkSaveEvery(cfg); err != nil {
		return bad(err)
	}
	if t := cfg.CheckpointTemplate(); t != "" && !templateLocal(t) {
		return bad(&ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q is not a file name inside the run's folder %s", t, cfg.Output.Dir)})
	}
	return nil
}

// checkStoredWeightsPath refuses to write the final weights outside the
// run's folder at a path read from its state, unless the path is given again
// now (--save-weights with --resume, as given).
func checkStoredWeightsPath(path string, cfg Config, given map[string]string) error {
	w := cfg.Output.SaveWeights
	if w == "" || given["save-weights"] != "" || inside(cfg.Output.Dir, w) {
		return nil
	}
	return &ValueError{Flag: "save-weights", Msg: fmt.Sprintf("%s is outside %s, and %s records it: a path read from a state file is never written outside its run's folder; "+
		"give --save-weights %s with --resume to write there", w, cfg.Output.Dir, path, w)}
}

// inside reports whether path lies within dir (both taken from the
// current folder when relative, and their links resolved: a run recorded
// as /home/u/run, with its weights in it, and resumed as /gpfs/home/u/run
// writes them in its own folder). The file's own name is not resolved: a
// write replaces a link there, it does not follow it.
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	p = filepath.Join(RealPath(filepath.Dir(p)), filepath.Base(p))
	rel, err := filepath.Rel(RealPath(d), p)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}
