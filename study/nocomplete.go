package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// noCompleteCells is the report's refusal of the study in dir (of file f)
// when none of its cells is complete, a *SettingError (exit 2, as plot's
// of a run that has ended no epoch): nothing to report, and why. It said
// "no complete cells to report", exit 1, of a study whose cells were
// killed before their first epoch ended, as of one never run.
func noCompleteCells(dir string, f File) error {
	all := f.Cells()
	var started []string
	for _, c := range all {
		if st, err := os.Stat(filepath.Join(dir, "cells", c.Key(f.Axes))); err == nil && st.IsDir() {
			started = append(started, c.Key(f.Axes))
		}
	}
	if len(started) == 0 {
		return &SettingError{fmt.Sprintf("%s: no complete cells to report: none of its %s has been run yet", dir, plural(len(all), "cell"))}
	}
	shown := started
	if len(shown) > 3 {
		shown = append(shown[:3:3], "...")
	}
	return &SettingError{fmt.Sprintf("%s: no complete cells to report: %d of its %s started (%s) and none is complete (killed, stopped, failed or still training); continue the study with study run to finish them",
		dir, len(started), plural(len(all), "cell"), strings.Join(shown, ", "))}
}
