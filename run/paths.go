package run

import (
	"path/filepath"

	"mnistgpu/engine"
)

// MaxFileName is the longest file name (one path component, in bytes) that
// Linux, macOS and Windows file systems all take: a checkpoint's, a study
// cell's folder.
const MaxFileName = 255

// MaxOutputName is the longest name of a file a run writes (a checkpoint,
// --save-weights): every file is written through a temporary name
// engine.TemporaryNameExtra bytes longer, so a longer one failed when it
// was first written, once its epoch, or the whole run, had trained.
const MaxOutputName = MaxFileName - engine.TemporaryNameExtra

// SameValue reports whether a and b hold one value of f, a path compared
// as a run records it (absolute and clean): testdata/mnist-small and
// ./testdata/mnist-small/ are one folder.
func SameValue(f Field, a, b Config) bool {
	a, b = a.withAbsolutePaths(), b.withAbsolutePaths()
	return a.GetString(f) == b.GetString(f)
}

// withAbsolutePaths is c with its file and folder settings made absolute
// (a model file; a preset name stays as it is), so that what a run records
// (config.json, its state) resolves from any working directory: a resume,
// or `train --config`, started elsewhere finds the same data and files.
func (c Config) withAbsolutePaths() Config {
	abs := func(p *string) {
		if *p == "" {
			return
		}
		if a, err := filepath.Abs(*p); err == nil {
			*p = a
		}
	}
	abs(&c.Source.Dir)
	abs(&c.Output.Dir)
	abs(&c.Output.SaveWeights)
	abs(&c.Model.InitWeights)
	if _, preset := engine.Presets[c.Model.Name]; !preset {
		abs(&c.Model.Name)
	}
	return c
}
