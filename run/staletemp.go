package run

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"mnistgpu/engine"
)

// Every file a run writes goes through a temporary beside it
// (engine.WriteFileAtomic); a run SIGKILLed while saving left
// .state.safetensors.tmpXXXX, up to a state's size, in its folder for good:
// neither --resume nor --overwrite removed it. The run that holds the
// folder's lock next (a new run, --resume, --overwrite, a study cell)
// removes those of a dead writer: no live one can be writing them, as
// each writer of the folder holds its lock. Only temporaries of the files
// a run writes there are taken (by their names: a user's own files, even
// hidden ones, are left; and not curves.png's, which `plot` writes without
// the lock), and a --save-weights path outside the folder is
// cleared likewise under its own lock (lockSaveWeights).

// removeStaleTemporaries removes from cfg's folder the temporaries of its
// run's files (fixed names, a --save-weights inside the folder, and the
// checkpoints that cfg's template or the run recorded there name, in the
// folder or the template's subfolder), and returns them as paths below the
// folder. The caller holds the folder's lock.
func removeStaleTemporaries(cfg Config) []string {
	dir := cfg.Output.Dir
	var names []string // the run's files, as '/' paths below dir
	for _, n := range fixedRunFiles {
		// `plot` writes curves.png without the folder's lock: its
		// temporary may be a live writer's.
		if n != PlotFile {
			names = append(names, n)
		}
	}
	if rel, err := filepath.Rel(dir, cfg.Output.SaveWeights); cfg.Output.SaveWeights != "" && err == nil && filepath.IsLocal(rel) {
		names = append(names, filepath.ToSlash(rel))
	}
	folders := []string{"."}
	var templates []*regexp.Regexp
	for _, t := range []string{cfg.CheckpointTemplate(), recordedTemplate(dir)} {
		if t != "" && templateLocal(t) {
			t = path.Clean(filepath.ToSlash(t))
			templates = append(templates, templateNames(t))
			folders = append(folders, path.Dir(t))
		}
	}
	for _, n := range names {
		folders = append(folders, path.Dir(n))
	}
	slices.Sort(folders)
	var removed []string
	for _, sub := range slices.Compact(folders) {
		ours := func(target string) bool {
			name := path.Join(sub, target)
			if slices.Contains(names, name) {
				return true
			}
			for _, t := range templates {
				if t.MatchString(name) {
					return true
				}
			}
			return false
		}
		for _, n := range engine.RemoveStaleTemporaries(filepath.Join(dir, filepath.FromSlash(sub)), ours) {
			removed = append(removed, filepath.Join(filepath.FromSlash(sub), n))
		}
	}
	return removed
}

// SayRemovedTemporaries says in one line which temporaries of a dead writer
// were removed from where ("" when none): files that vanish from a folder
// unsaid look like a fault, and the line tells what the earlier writer's
// end was.
func SayRemovedTemporaries(log io.Writer, where string, removed []string) {
	if len(removed) == 0 {
		return
	}
	shown := removed
	if len(shown) > 3 {
		shown = append(shown[:3:3], fmt.Sprintf("and %d more", len(removed)-3))
	}
	what := "a temporary file"
	if len(removed) > 1 {
		what = fmt.Sprintf("%d temporary files", len(removed))
	}
	fmt.Fprintf(log, "removed %s from %s (%s): left by a writer killed while saving, never a whole file\n", what, where, strings.Join(shown, ", "))
}
