package study

import (
	"path/filepath"

	"mnistgpu/run"
)

// CellPlan is how long a study trains one of its cells, as its study.json
// records it: the epochs and the step budget.
type CellPlan struct {
	Study    string // the study's folder
	Epochs   int    // 0: the record does not say (an earlier version's)
	MaxSteps int    // 0: no limit
}

// CellPlanOf is the plan of the study cell in dir (false when dir is no
// cell of a study: its parent is not a study's cells/, or its name is none
// of the study's cells). A cell is one of the study's runs, trained as the
// study plans it: `train --resume` of a cell with more epochs left it
// longer than the others, which the study then reported beside them as the
// study's setting ("up to 4 epochs each").
func CellPlanOf(dir string) (CellPlan, bool) {
	// A link to a cell is that cell, as a link to a study's cells/ is its
	// cells/ (run.StudyOwning).
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return CellPlan{}, false
	}
	parent := filepath.Dir(abs)
	if filepath.Base(parent) != "cells" {
		return CellPlan{}, false
	}
	studyDir := filepath.Dir(parent)
	f, err := Load(filepath.Join(studyDir, "study.json"))
	if err != nil {
		return CellPlan{}, false
	}
	name := filepath.Base(abs)
	for _, c := range f.Cells() {
		if c.Key(f.Axes) != name {
			continue
		}
		// Each setting the study leaves out stays 0 here.
		var planned run.Config
		for _, flag := range []string{"epochs", "max-steps"} {
			fd, _ := run.Lookup(flag)
			if key, fixed, axis, ok := f.Setting(fd); ok {
				if axis {
					fixed = c.Params[key]
				}
				planned.SetField(fd, fixed) // validated when the study ran
			}
		}
		return CellPlan{Study: studyDir, Epochs: planned.Epochs, MaxSteps: planned.MaxSteps}, true
	}
	return CellPlan{}, false
}

// CellFolderOf is the folder of the study whose cells/ holds dir, directly
// ("" when none): a cell the study made, or a folder there that `study
// run` may make one. A link is followed, and a link placed in a study's
// cells/ is in it too, as run.StudyOwning reads cells/ itself. Only `study
// run` starts a run there: a run of other settings in a cell's folder was
// reported as the study's cell.
func CellFolderOf(dir string) string {
	for _, abs := range run.TypedAndResolved(dir) {
		cells := filepath.Dir(abs)
		if filepath.Base(cells) != "cells" || cells == abs {
			continue
		}
		if s := filepath.Dir(cells); run.StudyMarker(s) == "study.json" {
			return s
		}
	}
	return ""
}
