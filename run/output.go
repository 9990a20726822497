package run

import (
	"fmt"
	"os"
	"path/filepath"
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

// runFile reports whether a file name is something a run writes.
func runFile(name string) bool {
	switch name {
	case StateFile, ResultFile, ConfigFile, "history.csv", "history.json", "failed.txt", "curves.png":
		return true
	}
	return strings.HasSuffix(name, ".safetensors")
}

// claimOutput makes sure dir holds no other run; with overwrite it removes
// that run's files (and only those: other files are left alone). An attempt
// of the same configuration that died before finishing its first epoch (no
// state, no result) is not another run: it is started again.
func claimOutput(dir string, cfg Config, overwrite bool) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() && runFile(e.Name()) {
			found = append(found, e.Name())
		}
	}
	if len(found) == 0 {
		return nil
	}
	if !overwrite && !sameUnfinishedAttempt(dir, cfg) {
		return &OutputInUseError{Dir: dir, Files: found}
	}
	for _, name := range found {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("--overwrite: %w", err)
		}
	}
	return nil
}

// sameUnfinishedAttempt reports whether dir holds only the beginnings of a
// run of cfg that never completed an epoch.
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
	return err == nil && len(Diff(prev, cfg)) == 0
}
