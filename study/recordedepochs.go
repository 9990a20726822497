package study

import (
	"path/filepath"
	"strconv"

	"mnistgpu/run"
)

// SetsEpochs reports whether f fixes the epochs or varies them on an axis.
func (f File) SetsEpochs() bool { return f.names("epochs") }

// RecordedEpochs is the epochs of the study that dir holds, as its
// study.json fixes them; 0 when dir holds no study, or one whose record
// leaves them out or cannot be read (Prepare reports that). A study run
// again in its folder continues with them, as a run's --resume keeps its
// recorded epochs: MNISTGPU_EPOCHS and the flag's default are defaults,
// which a record wins over (an exported MNISTGPU_EPOCHS extended a study
// trained before, and a study trained with --epochs 4 was refused when
// run again without it).
func RecordedEpochs(dir string) int {
	old, err := Load(filepath.Join(dir, "study.json"))
	if err != nil {
		return 0
	}
	fd, _ := run.Lookup("epochs")
	_, fixed, axis, ok := old.Setting(fd)
	if axis {
		return 0
	}
	if !ok {
		return cellsEpochs(dir, old)
	}
	n, err := strconv.Atoi(fixed)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// cellsEpochs is the most epochs a cell of the study in dir recorded in its
// config.json (0 for none): the record of a study whose study.json leaves
// them out, as earlier versions wrote it when the epochs came from
// MNISTGPU_EPOCHS or the default.
func cellsEpochs(dir string, f File) int {
	most := 0
	for _, c := range f.Cells() {
		cfg, err := run.ReadConfigFile(filepath.Join(dir, "cells", c.Key(f.Axes), run.ConfigFile))
		if err == nil && cfg.Epochs > most {
			most = cfg.Epochs
		}
	}
	return most
}
