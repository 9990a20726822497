package run

import (
	"fmt"
	"os"
	"path/filepath"
)

// EnclosingRunError is a folder that is, or is inside, a run's folder
// (dir itself holding a run, a folder above it holding one, or the
// checkpoint folder that a run above records), where a study's files would
// go among that run's.
type EnclosingRunError struct {
	Dir  string // the folder given
	Run  string // the run's folder
	File string // what shows it holds a run
	Same bool   // Dir is Run (spelled as given)
	// Checkpoints: Dir is, or is inside, the checkpoint folder of the run
	// (its --checkpoint template, recorded in its config.json).
	Checkpoints string
}

func (e *EnclosingRunError) Error() string {
	switch {
	case e.Checkpoints != "":
		return fmt.Sprintf("%s is in the checkpoint folder of the run in %s (--checkpoint %s), which that run writes", e.Dir, e.Run, e.Checkpoints)
	case e.Same:
		return fmt.Sprintf("%s holds a run (%s)", e.Dir, e.File)
	}
	return fmt.Sprintf("%s is inside %s, which holds a run (%s)", e.Dir, e.Run, e.File)
}

// Below reports whether Dir is only below the run's folder: neither that
// folder nor (in) its checkpoint folder, where the run writes.
func (e *EnclosingRunError) Below() bool { return !e.Same && e.Checkpoints == "" }

// EnclosingRun returns an *EnclosingRunError when dir (made absolute and
// clean, and read again with its links resolved as far as it exists) is a
// run's folder, is inside a folder that holds a run that trained there
// (its state or its result.json: a config.json alone above dir may be a
// user's --config file) or that a process trains in (its config.json, its
// lock held), or is inside the checkpoint folder recorded by a run above
// it; nil otherwise.
func EnclosingRun(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	// The run's folder itself and its checkpoint folder, however spelled,
	// before a run above: Below is then the whole truth.
	for _, p := range spellings(abs) {
		if f := otherRunFile(p); f != "" {
			return &EnclosingRunError{Dir: dir, Run: p, File: f, Same: true}
		}
		if run, t, _ := checkpointOwner(p); run != "" {
			return &EnclosingRunError{Dir: dir, Run: run, Checkpoints: t}
		}
	}
	for _, p := range spellings(abs) {
		for d := filepath.Dir(p); ; d = filepath.Dir(d) {
			if f := trainedRunFile(d); f != "" {
				return &EnclosingRunError{Dir: dir, Run: d, File: f}
			}
			// A run before its first state: its config.json, and a
			// process holding its lock.
			if f := RunMarker(d); f != "" {
				if who, held := HeldBy(d); held {
					return &EnclosingRunError{Dir: dir, Run: d, File: f + "; " + (&LockedError{Dir: d, Holder: who}).Who() + " is training it"}
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return nil
}

// trainedRunFile names the file that shows a run trained in dir: its state
// or its result.json ("" when neither).
func trainedRunFile(dir string) string {
	for _, f := range []string{StateFile, ResultFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

// spellings returns abs (clean) and, when it differs, the same path with
// the links of its longest existing part resolved: a folder reached
// through a link is the folder the link names.
func spellings(abs string) []string {
	abs = filepath.Clean(abs)
	out := []string{abs}
	if real := RealPath(abs); real != abs {
		out = append(out, real)
	}
	return out
}

// TypedAndResolved is dir as typed and, when its links resolve, as
// filepath.EvalSymlinks resolves it, each made absolute (a spelling that
// cannot be made absolute is left out): a link to a folder is that folder.
func TypedAndResolved(dir string) []string {
	paths := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		paths = append(paths, real)
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			out = append(out, abs)
		}
	}
	return out
}

// RealPath is p (absolute) with the links of its longest existing leading
// part resolved, and the rest (not made yet) appended: the folder a writer
// of p would write in, however p is spelled.
func RealPath(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for d := p; ; d = filepath.Dir(d) {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(d) == d {
			return p
		}
		rest = filepath.Join(filepath.Base(d), rest)
	}
}
