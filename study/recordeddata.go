package study

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"mnistgpu/mnist"
	"mnistgpu/run"
)

// RecordedDataDir is the data folder a study continues on when none is
// given (no --data-dir, MNISTGPU_DATA or fixed "data-dir"), as a resumed
// run's is the one it recorded: the first folder its cells (cfgs) recorded
// that still holds MNIST, which run.CheckData then checks is the data they
// trained on. "" is to look where a new study looks (the user cache, a
// download, the Go module): the cells recorded no folder, their data came
// from there, or the folders they recorded hold no MNIST now, which log
// is told. It went to the search at once, and was refused when the user
// cache held other data than the folder its cells trained on.
func RecordedDataDir(cfgs []run.Config, log io.Writer) string {
	var gone []string
	seen := map[string]bool{}
	for _, cfg := range cfgs {
		dir := run.RecordedDataDir(cfg.Output.Dir)
		if dir == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		if mnist.Complete(dir) {
			return dir
		}
		gone = append(gone, dir)
	}
	switch len(gone) {
	case 0:
	case 1:
		fmt.Fprintf(log, "%s holds no MNIST now; looking for the study's data elsewhere\n", gone[0])
	default:
		fmt.Fprintf(log, "%s and %s hold no MNIST now; looking for the study's data elsewhere\n",
			strings.Join(gone[:len(gone)-1], ", "), gone[len(gone)-1])
	}
	return ""
}

// RecordedNoVerify is the folder of the first of cfgs' cells whose
// config.json records --no-verify ("" when none does): a study whose cells
// trained on a set that is not the canonical one, which a rerun keeps
// unverified, as train --resume keeps a run's --no-verify, and which
// --no-verify=false refuses by its checksums.
func RecordedNoVerify(cfgs []run.Config) string {
	for _, cfg := range cfgs {
		recorded, err := run.ReadConfigFile(filepath.Join(cfg.Output.Dir, run.ConfigFile))
		if err == nil && recorded.Source.NoVerify {
			return cfg.Output.Dir
		}
	}
	return ""
}
