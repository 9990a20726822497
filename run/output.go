package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"mnistgpu/engine"
)

// OutputInUseError is an output folder that already holds a run: training
// into it would mix two runs' checkpoints, history and weights.
type OutputInUseError struct {
	Dir   string
	Files []string // the run files found
	// Study: the folder holds a study, which no run may share (not even
	// with --overwrite, which would leave the study's files beside it).
	Study bool
	// InStudy: the folder is the study's cells/ or report/ in this
	// folder, where no run goes either (StudyOwning).
	InStudy string
}

func (e *OutputInUseError) Error() string {
	if e.InStudy != "" {
		return fmt.Sprintf("%s is a folder of the study in %s (study.json), and a run's files never go among a study's: use another --out",
			e.Dir, e.InStudy)
	}
	if e.Study {
		return fmt.Sprintf("%s holds a study (%s), and a run's files never go beside a study's: use another --out",
			e.Dir, strings.Join(e.Files, ", "))
	}
	shown := e.Files
	if len(shown) > 3 {
		shown = append(shown[:3:3], "...")
	}
	return fmt.Sprintf("%s already holds a run (%s): pass --resume %s to continue it, a new --out, or --overwrite to replace it",
		e.Dir, strings.Join(shown, ", "), shellWord(e.Dir))
}

// CheckOutputPaths refuses, before anything is read or written, output
// settings that would write outside the run's folder or replace a file
// that is not theirs: an empty --out; a --checkpoint template that is
// absolute, climbs out of --out, names a folder, a hidden name (the lock's,
// temporary files') or, formatted any way, a file the run writes itself;
// a --save-weights that is a folder or a device, one of the run's own files other than
// its final weights, or a path inside another folder that holds a run or a
// study (see checkSaveWeights).
func CheckOutputPaths(c Config) error {
	if c.Output.Dir == "" {
		return &ValueError{Flag: "out", Msg: "must name a folder, got \"\""}
	}
	c = c.withAbsolutePaths()
	if err := checkOutOfCheckpoints(c.Output.Dir); err != nil {
		return err
	}
	// Through a link: the folder written is where it leads.
	if real := RealPath(c.Output.Dir); real != filepath.Clean(c.Output.Dir) {
		if d, t, _ := checkpointOwner(real); d != "" {
			return &ValueError{Flag: "out", Msg: fmt.Sprintf("%s leads to %s, in the checkpoint folder of the run in %s (--checkpoint %s), which that run writes: use another --out",
				c.Output.Dir, real, d, t)}
		}
	}
	t := c.CheckpointTemplate()
	if t != "" {
		if err := checkTemplate(t, c.Output.Dir); err != nil {
			return err
		}
	}
	return checkSaveWeights(c, t)
}

// PlotFile is where `mnistgpu plot` draws a run's curves by default.
const PlotFile = "curves.png"

// fixedRunFiles are the names a run writes into its folder, besides its
// checkpoints (named by its --checkpoint template): those that show a run
// is there, and that --overwrite removes.
var fixedRunFiles = []string{StateFile, ResultFile, ConfigFile, FinalFile, "history.csv", "history.json", MetricsFile, "failed.txt", PlotFile}

// ownFiles are every name a run writes into its folder besides its
// checkpoints: no checkpoint and no --save-weights may take one of them.
// train.log is a study cell's log (study.LogFile).
var ownFiles = append(slices.Clone(fixedRunFiles), LockFile, "train.log")

// checkTemplate refuses a checkpoint template t that would write outside
// dir or over a file or folder that is not a checkpoint. Its fields format
// to any text, so t is compared as the pattern templateGlob makes of it.
func checkTemplate(t, dir string) error {
	bad := func(format string, a ...any) error {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q ", t) + fmt.Sprintf(format, a...) +
			": give checkpoints a file name of their own, such as the default " + DefaultCheckpoint(true)}
	}
	if !templateLocal(t) {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q is not inside --out: checkpoints are written in the run's folder, so give a file name (or a relative path below it)", t)}
	}
	slash := filepath.ToSlash(t)
	clean := path.Clean(slash)
	if clean == "." || strings.HasSuffix(slash, "/") {
		return bad("names a folder, not a file")
	}
	if dir := path.Dir(clean); templateHasField(dir) {
		return bad("has a field in its folder %s, which is made before training, when no field has a value", dir)
	}
	if strings.HasPrefix(path.Base(clean), ".") || dotFillLeads(path.Base(clean)) {
		return bad("is a hidden name, and the run keeps its lock (%s) and temporary files under such names", LockFile)
	}
	if err := checkTemplateFolders(t, clean, dir); err != nil {
		return err
	}
	names := templateNames(clean)
	for _, own := range ownFiles {
		if names.MatchString(own) {
			return bad("can name %s, a file the run writes itself", own)
		}
	}
	matches, _ := fs.Glob(os.DirFS(dir), templateGlob(clean))
	for _, m := range matches {
		if st, err := os.Stat(filepath.Join(dir, m)); err == nil && st.IsDir() {
			return bad("can name the folder %s", filepath.Join(dir, m))
		}
	}
	return nil
}

// checkOutOfCheckpoints refuses an output folder out (absolute) that is,
// or is inside, the checkpoint folder of a run in a folder above it (the
// folder of the --checkpoint template its config.json records): that run
// writes there, and the two runs' files would mix (the new run's
// --overwrite removing the other's checkpoints that its template names).
func checkOutOfCheckpoints(out string) error {
	out = filepath.Clean(out)
	d, t, ck := checkpointOwner(out)
	if d == "" {
		return nil
	}
	where := "is inside " + ck + ","
	if ck == out {
		where = "is"
	}
	return &ValueError{Flag: "out", Msg: fmt.Sprintf("%s %s the checkpoint folder of the run in %s (--checkpoint %s), which that run writes: use another --out",
		out, where, d, t)}
}

// checkpointOwner returns the run in a folder above out (absolute, clean)
// whose recorded checkpoint folder ck out is or is inside, and that run's
// template t; d is "" when there is none.
func checkpointOwner(out string) (d, t, ck string) {
	for d := filepath.Dir(out); ; d = filepath.Dir(d) {
		if t := recordedTemplate(d); t != "" && templateLocal(t) {
			if folder := path.Dir(path.Clean(filepath.ToSlash(t))); folder != "." {
				ck := filepath.Join(d, filepath.FromSlash(folder))
				if rel, err := filepath.Rel(ck, out); err == nil && filepath.IsLocal(rel) || ck == out {
					return d, t, ck
				}
			}
		}
		if filepath.Dir(d) == d {
			return "", "", ""
		}
	}
}

// checkTemplateFolders refuses a checkpoint template t (clean, in slash
// form) whose folder, or a folder on the way to it below dir, is another
// writer's: one that holds another run (its state, config.json or
// result.json) or a study, or whose lock another process holds. Its
// checkpoints would go among that writer's files, which that writer's
// --overwrite or --keep-last removes, as this run's removes theirs.
func checkTemplateFolders(t, clean, dir string) error {
	folder := path.Dir(clean)
	if folder == "." {
		return nil
	}
	bad := func(d, format string, a ...any) error {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q writes into %s, which ", t, d) + fmt.Sprintf(format, a...) +
			": a run's checkpoints go into a folder of its own; name another folder below --out"}
	}
	d := dir
	for _, part := range strings.Split(folder, "/") {
		d = filepath.Join(d, part)
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil // made by the run: nobody else's
		}
		if f := otherRunFile(d); f != "" {
			return bad(d, "holds another run (%s)", f)
		}
		if f := StudyMarker(d); f != "" {
			return bad(d, "holds a study (%s)", f)
		}
		if who, held := HeldBy(d); held {
			return bad(d, "is in use: %s", (&LockedError{Dir: d, Holder: who}).Who()+" holds its lock")
		}
		// A link that leads out of the run's folder: where it leads
		// is another run's, or its checkpoints', the files of which this
		// run's --overwrite and --keep-last would remove.
		if real := RealPath(d); !inside(RealPath(dir), real) {
			var in *EnclosingRunError
			if errors.As(EnclosingRun(real), &in) {
				return bad(d, "leads to %s, which %s", real, strings.TrimPrefix(in.Error(), real+" "))
			}
		}
	}
	return nil
}

// otherRunFile names the file that shows dir holds a run, finished or not
// (RunMarker, or its result.json); "" when none.
func otherRunFile(dir string) string {
	if f := RunMarker(dir); f != "" {
		return f
	}
	if st, err := os.Stat(filepath.Join(dir, ResultFile)); err == nil && st.Mode().IsRegular() {
		return ResultFile
	}
	return ""
}

// checkSaveWeights refuses a --save-weights path (c's, absolute) that
// would replace what is not the run's final weights: a folder, a device or a pipe (/dev/null), a link
// to nothing (the link, not its target, would be replaced); a link to a
// file is the file it leads to (the weights are written through it); in the
// run's own folder, a file it writes itself or one of its checkpoints
// (template t); and any path inside another folder that holds a run or a
// study, whose files are never replaced. The default, <out>/final.safetensors,
// is always fine.
func checkSaveWeights(c Config, t string) error {
	p := c.Output.SaveWeights
	if p == "" {
		return nil
	}
	bad := func(format string, a ...any) error {
		return &ValueError{Flag: "save-weights", Msg: p + " " + fmt.Sprintf(format, a...)}
	}
	if kind := engine.NotAFile(p); kind != "" {
		return bad("is %s: give the file to write the final weights to", kind)
	}
	if target := engine.DanglingLink(p); target != "" {
		return bad("is a link to %s, which does not exist (the weights would replace the link, not go there): give the file to write the final weights to", target)
	}
	if n := len(filepath.Base(p)); n > MaxOutputName {
		return bad("names a file of %d bytes; a run writes names of at most %d: %s", n, MaxOutputName, outputNameLimit)
	}
	// What is written, however p is spelled: the file a link at p leads
	// to (the weights are written through it), in its folder with the
	// links resolved, compared with the run's folder so resolved (a link
	// to --out, or --out a link, named the run's own config.json by
	// another spelling, and the weights replaced it).
	q := RealPath(engine.WriteTarget(p))
	if q != p {
		plain := bad
		bad = func(format string, a ...any) error {
			e := plain(format, a...).(*ValueError)
			e.Msg = p + " (that is, " + q + ")" + strings.TrimPrefix(e.Msg, p)
			return e
		}
	}
	out := RealPath(filepath.Clean(c.Output.Dir))
	top := "" // where the search for other runs' folders ends: the root, or the run's own folder
	if rel, err := filepath.Rel(out, q); err == nil && filepath.IsLocal(rel) {
		name := filepath.ToSlash(rel)
		if name == FinalFile {
			return nil
		}
		if slices.Contains(ownFiles, name) {
			return bad("is %s, a file the run writes itself in --out: leave --save-weights out (the weights go to %s) or name another file", name, FinalFile)
		}
		if t != "" && templateNames(path.Clean(filepath.ToSlash(t))).MatchString(name) {
			return bad("can be one of the run's checkpoints (--checkpoint %s): name another file", t)
		}
		top = out
	}
	for d := filepath.Dir(q); d != top; d = filepath.Dir(d) {
		if d != out {
			if f := RunMarker(d); f != "" {
				return bad("is inside %s, which holds another run (%s): its files are never replaced; write the weights elsewhere", d, f)
			}
			if f := studyFile(d); f != "" {
				return bad("is inside %s, which holds a study (%s): its files are never replaced; write the weights elsewhere", d, f)
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	// Its folder is not made: a missing one (a typo) failed once training
	// had ended, with no final weights and no result. The run's own folder
	// is made before they are written.
	if d := filepath.Dir(q); d != out {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return bad("is in %s, which is not a folder: make it first, or name a file in a folder that exists", d)
		}
	}
	return nil
}

// RunMarker names the file that shows dir holds a run ("" when none): its
// state, or a config.json that is a run's configuration (a config.json of
// anything else is not).
func RunMarker(dir string) string {
	if st, err := os.Stat(filepath.Join(dir, StateFile)); err == nil && st.Mode().IsRegular() {
		return StateFile
	}
	raw, err := engine.ReadFile(filepath.Join(dir, ConfigFile), "run configuration", engine.MaxSettingsFile)
	if err != nil {
		return ""
	}
	if _, err := decodeConfig(raw); err != nil {
		return ""
	}
	return ConfigFile
}

// StudyMarker names what shows dir holds a study ("" when none): its
// study.json or its cells folder.
func StudyMarker(dir string) string {
	if f := studyFile(dir); f != "" {
		return f
	}
	if st, err := os.Stat(filepath.Join(dir, "cells")); err == nil && st.IsDir() {
		return "cells/"
	}
	return ""
}

// studyFile is "study.json" when dir holds one (a folder named cells alone
// is too common a name to mark a study above a path).
func studyFile(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "study.json")); err == nil {
		return "study.json"
	}
	return ""
}

// StudyOwning is the study's folder when dir is its cells/ or report/
// ("" otherwise): its cells are its own runs' folders below cells/, and a
// run's files beside them failed `study merge` ("cells/config.json/
// result.json: not a directory"). Any other folder in a study's, such as
// mystudy/extra-run, is a folder like any other. A link is followed, so a
// link to a study's cells/ is its cells/ too.
func StudyOwning(dir string) string {
	for _, abs := range TypedAndResolved(dir) {
		if b := filepath.Base(abs); b != "cells" && b != "report" {
			continue
		}
		if s := filepath.Dir(abs); studyFile(s) != "" {
			return s
		}
	}
	return ""
}

// runFiles lists the files in dir that a run writes, as paths relative to
// dir: the fixed names, the files that a checkpoint template (of the new
// run, of the run recorded in the folder) names, and the recorded run's
// --save-weights inside the folder (kept, the run replacing it would not
// name it, and the next --overwrite refused it as no run's). A user's own
// files, such as a mybackup.safetensors, are none of them.
func runFiles(dir string, templates ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(fixedRunFiles, e.Name()) {
			found[e.Name()] = true
		}
	}
	for _, t := range append(templates, recordedTemplate(dir)) {
		if t == "" || !templateLocal(t) {
			continue
		}
		matches, _ := fs.Glob(os.DirFS(dir), templateGlob(filepath.ToSlash(t)))
		names := templateNames(path.Clean(filepath.ToSlash(t)))
		for _, m := range matches {
			// The glob's * is any text, a field only a number: a user's
			// notes.txt is not "{epoch}.txt" and must stay; nor is the
			// lock or a temporary file (hidden names) anyone's checkpoint.
			if !names.MatchString(m) || strings.HasPrefix(path.Base(m), ".") {
				continue
			}
			if st, err := os.Stat(filepath.Join(dir, m)); err == nil && st.Mode().IsRegular() {
				found[filepath.FromSlash(m)] = true
			}
		}
	}
	if w := recordedWeights(dir); w != "" {
		if st, err := os.Lstat(filepath.Join(dir, w)); err == nil && st.Mode().IsRegular() {
			found[w] = true
		}
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// recordedWeights is the --save-weights of the run recorded in dir's
// config.json as a path relative to dir, when it is inside the folder the
// run was in ("" when none).
func recordedWeights(dir string) string {
	raw, err := engine.ReadFile(filepath.Join(dir, ConfigFile), "run configuration", engine.MaxSettingsFile)
	if err != nil {
		return ""
	}
	prev, err := decodeConfig(raw)
	if err != nil || prev.Output.SaveWeights == "" || prev.Output.Dir == "" {
		return ""
	}
	rel, err := filepath.Rel(prev.Output.Dir, prev.Output.SaveWeights)
	if err != nil || !filepath.IsLocal(rel) {
		return ""
	}
	return rel
}

// recordedTemplate is the checkpoint template of the run recorded in dir's
// config.json ("" when none).
func recordedTemplate(dir string) string {
	raw, err := engine.ReadFile(filepath.Join(dir, ConfigFile), "run configuration", engine.MaxSettingsFile)
	if err != nil {
		return ""
	}
	prev, err := decodeConfig(raw)
	if err != nil {
		return ""
	}
	return prev.CheckpointTemplate()
}

// claimOutput makes sure dir holds no other run and no file that no run
// writes (OtherFilesError, with overwrite too; inputs, the files the run
// reads besides those cfg names, are its own), and returns the files of
// the run it holds that are to be replaced: with overwrite, or when they
// are an attempt of the same configuration that died before finishing its
// first epoch (no state, no result), which is started again. The caller
// removes them (removeRunFiles) once the new run has validated its
// settings and loaded its data, so a run that cannot start leaves the old
// one whole.
func claimOutput(dir string, cfg Config, overwrite bool, inputs ...string) ([]string, error) {
	if m := StudyMarker(dir); m != "" {
		return nil, &OutputInUseError{Dir: dir, Files: []string{m}, Study: true}
	}
	if s := StudyOwning(dir); s != "" {
		return nil, &OutputInUseError{Dir: dir, InStudy: s, Study: true}
	}
	// Files no run writes: a folder of a user's own is never a run's, not
	// even with --overwrite (otherfiles.go).
	other, more, err := otherFiles(dir, cfg, inputs...)
	if err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if len(other) > 0 {
		return nil, &OtherFilesError{Dir: dir, Files: other, More: more, Overwrite: overwrite}
	}
	found, err := runFiles(dir, cfg.CheckpointTemplate())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	if !overwrite && !sameUnfinishedAttempt(dir, cfg) {
		return nil, &OutputInUseError{Dir: dir, Files: found}
	}
	return found, nil
}

// removeRunFiles removes the files claimOutput returned.
func removeRunFiles(dir string, files []string) error {
	for _, name := range files {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--overwrite: %w", err)
		}
	}
	return nil
}

// sameUnfinishedAttempt reports whether dir holds only the beginnings of a
// run of cfg that never completed an epoch. The recorded configuration was
// resolved (absolute paths, effective optimizer values) before it was
// written, and reading it back unsets what a record of an earlier version
// meant by "default" (fromRecord): both sides are resolved again, so the
// same command compares equal to what it recorded.
func sameUnfinishedAttempt(dir string, cfg Config) bool {
	for _, f := range []string{StateFile, ResultFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return false
		}
	}
	raw, err := engine.ReadFile(filepath.Join(dir, ConfigFile), "run configuration", engine.MaxSettingsFile)
	if err != nil {
		return false
	}
	prev, err := decodeConfig(raw)
	if err != nil {
		return false
	}
	prev.Output.Dir = dir // the folder it is in now, however it was named
	want := cfg.Resolved().withAbsolutePaths()
	return len(Diff(prev.Resolved().withAbsolutePaths().spelledAs(want), want)) == 0
}
