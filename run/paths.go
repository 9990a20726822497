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
// ./testdata/mnist-small/ are one folder, and so are a folder reached
// through a link and its real path (SamePath).
func SameValue(f Field, a, b Config) bool {
	b = b.withAbsolutePaths()
	a = a.withAbsolutePaths().spelledAs(b)
	return a.GetString(f) == b.GetString(f)
}

// SamePath reports whether a and b name one file or folder: spelled alike
// once absolute, or leading to one place once their links resolve
// (RealPath). On a cluster home and scratch folders are often reached
// through a link (/home/u to /gpfs/home/u), and a batch job may start in
// the real folder where its user started the run or study through the
// link: a model file recorded as /home/u/net.json is /gpfs/home/u/net.json.
// Another file of the same name in another folder is still another file.
func SamePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return absA == absB || RealPath(absA) == RealPath(absB)
}

// spelledAs is c with each file or folder setting that names the same
// place as o's (SamePath) spelled as o's, so that a comparison of the two
// by their text sees one value where the only difference is a link on
// the way.
func (c Config) spelledAs(o Config) Config {
	for _, flag := range pathFlags {
		f, _ := Lookup(flag)
		mine, theirs := c.value(f), o.value(f)
		x, y := mine.String(), theirs.String()
		if x != y && f.NamesPath(x) && f.NamesPath(y) && SamePath(x, y) {
			mine.SetString(y)
		}
	}
	return c
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
