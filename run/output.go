package run

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// OutputInUseError is an output folder that already holds a run: training
// into it would mix two runs' checkpoints, history and weights.
type OutputInUseError struct {
	Dir   string
	Files []string // the run files found
}

func (e *OutputInUseError) Error() string {
	shown := e.Files
	if len(shown) > 3 {
		shown = append(shown[:3:3], "...")
	}
	return fmt.Sprintf("%s already holds a run (%s): pass --resume %s to continue it, a new --out, or --overwrite to replace it",
		e.Dir, strings.Join(shown, ", "), e.Dir)
}

// CheckOutputPaths refuses, before anything is read or written, output
// settings that would write outside the run's folder: an empty --out, and a
// --checkpoint template that is absolute or climbs out of --out (in a study,
// every cell would write that same outside file). --save-weights names its
// file on purpose and may be anywhere.
func CheckOutputPaths(c Config) error {
	if c.Output.Dir == "" {
		return &ValueError{Flag: "out", Msg: "must name a folder, got \"\""}
	}
	if t := c.CheckpointTemplate(); t != "" && !filepath.IsLocal(t) {
		return &ValueError{Flag: "checkpoint", Msg: fmt.Sprintf("%q is not inside --out: checkpoints are written in the run's folder, so give a file name (or a relative path below it)", t)}
	}
	return nil
}

// fixedRunFiles are the names a run writes into its folder, besides its
// checkpoints (named by its --checkpoint template).
var fixedRunFiles = []string{StateFile, ResultFile, ConfigFile, FinalFile, "history.csv", "history.json", "failed.txt", "curves.png", MetricsFile}

// runFiles lists the files in dir that a run writes, as paths relative to
// dir: the fixed names and the files that a checkpoint template (of the new
// run, of the run recorded in the folder) names. A user's own files, such
// as a mybackup.safetensors, are none of them.
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
	if raw, err := os.ReadFile(filepath.Join(dir, ConfigFile)); err == nil {
		if prev, err := decodeConfig(raw); err == nil {
			templates = append(templates, prev.CheckpointTemplate())
		}
	}
	for _, t := range templates {
		if t == "" || !filepath.IsLocal(t) {
			continue
		}
		matches, _ := fs.Glob(os.DirFS(dir), templateGlob(filepath.ToSlash(t)))
		for _, m := range matches {
			if st, err := os.Stat(filepath.Join(dir, m)); err == nil && st.Mode().IsRegular() {
				found[filepath.FromSlash(m)] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// templateGlob turns a Keras file name template into a pattern for
// path.Match: each {field:format} becomes *, {{ and }} their brace, and
// the characters that patterns give a meaning are matched as themselves.
func templateGlob(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case (c == '{' || c == '}') && i+1 < len(t) && t[i+1] == c:
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(t[i:], '}')
			if end < 0 {
				b.WriteString(t[i:])
				return b.String()
			}
			b.WriteByte('*')
			i += end
		case c == '*' || c == '?' || c == '[' || c == '\\':
			b.WriteString("[" + string(c) + "]")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// claimOutput makes sure dir holds no other run and returns the files of
// the one it holds that are to be replaced: with overwrite, or when they
// are an attempt of the same configuration that died before finishing its
// first epoch (no state, no result), which is started again. The caller
// removes them (removeRunFiles) once the new run has validated its
// settings and loaded its data, so a run that cannot start leaves the old
// one whole.
func claimOutput(dir string, cfg Config, overwrite bool) ([]string, error) {
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
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return false
	}
	prev, err := decodeConfig(raw)
	if err != nil {
		return false
	}
	prev.Output.Dir = dir // the folder it is in now, however it was named
	return len(Diff(prev.Resolved().withAbsolutePaths(), cfg.Resolved().withAbsolutePaths())) == 0
}
