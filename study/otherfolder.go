package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mnistgpu/run"
)

// startedElsewhere refuses a study run again from another working
// directory than its cells were trained from, where its file names a file
// by a relative path ("model": "net.json", "init-weights"): such a path is
// read from the folder study run starts in (docs/study.md), each cell
// records it absolute, and from another folder it names another file, so
// every cell trained would be refused as a run of other settings (and a
// finished one failed). A folder reached through a link and by its real
// path is one folder (run.SamePath): a batch job started in /gpfs/home/u
// continues a study started in /home/u. It names the setting, both files and, where the
// recorded path shows it, the folder the study was started from.
// Its cells are those of f in dir, read whether or not f's settings are
// valid here: a model file that is not in this folder is refused as one
// the study was started elsewhere with.
func (f File) startedElsewhere(dir string) error {
	for _, c := range f.Cells() {
		cellDir := filepath.Join(dir, "cells", c.Key(f.Axes))
		recorded, err := run.ReadConfigFile(filepath.Join(cellDir, run.ConfigFile))
		if err != nil {
			continue // a new cell, or one trainCell refuses by itself
		}
		var moved []string
		first := ""
		for _, fd := range run.Fields() {
			if fd.ResumeOK || !fd.StudyOK {
				continue // not compared with a cell's record (the data folder is read as given)
			}
			name, v, axis, named := f.Setting(fd)
			if axis {
				v = c.Params[name]
			}
			if !named || !fd.NamesPath(v) || filepath.IsAbs(v) {
				continue
			}
			there := recorded.GetString(fd)
			here, err := filepath.Abs(v)
			if err != nil || !filepath.IsAbs(there) || run.SamePath(there, here) {
				continue
			}
			moved = append(moved, fmt.Sprintf("%q: %q is a relative path, read from the folder study run starts in, and names %s here but %s in the cell's record", name, v, here, there))
			if rel := string(filepath.Separator) + filepath.Clean(v); first == "" && strings.HasSuffix(there, rel) {
				first = strings.TrimSuffix(there, rel)
			}
		}
		if len(moved) == 0 {
			continue
		}
		wd, _ := os.Getwd()
		from := "the folder it was started in"
		if first != "" {
			from = first
		}
		return &SettingError{fmt.Sprintf("%s was trained from another folder than this one (%s): the study's %s; "+
			"run it from %s, or write absolute paths in a study file that should run the same from any folder",
			cellDir, wd, strings.Join(moved, "; "), from)}
	}
	return nil
}
