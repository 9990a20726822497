package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// historyName is the history file a run writes at each epoch's end.
const historyName = "history.json"

// readPlotHistory reads the history file plot is given. What cannot be
// plotted is a bad argument (exit 2) said in words, naming the file or the
// run's folder: a run that has ended no epoch yet (killed or still in its
// first: a folder with its config.json and no history.json, or an empty
// one), a run's folder given for its history file, a file not there. They
// were the bare "stat RUN/history.json: no such file or directory", "RUN:
// a folder, not a regular history file", "invalid history JSON: EOF".
func readPlotHistory(path string) (*engine.History, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if dir := filepath.Dir(path); filepath.Base(path) == historyName && run.RunMarker(dir) != "" {
			return nil, noEpochYet(dir, "no "+historyName)
		}
		return nil, usageError("%s does not exist: plot takes a run's %s", path, historyName)
	case err == nil && st.IsDir():
		if in := filepath.Join(path, historyName); isRegular(in) {
			return nil, usageError("%s is a folder: name its history file, %s", path, in)
		}
		if run.RunMarker(path) != "" {
			return nil, noEpochYet(path, "no "+historyName)
		}
	case err == nil && st.Mode().IsRegular() && st.Size() == 0:
		if dir := filepath.Dir(path); run.RunMarker(dir) != "" {
			return nil, noEpochYet(dir, "its "+filepath.Base(path)+" is empty")
		}
		return nil, usageError("%s is empty: plot takes a run's %s", path, historyName)
	}
	// A history that cannot be read is a bad argument (exit 2), as one
	// that holds no epochs is.
	fh, err := engine.OpenFile(path, "history file", engine.MaxRecordFile)
	if err != nil {
		return nil, usageError("%v", err)
	}
	defer fh.Close()
	h, err := engine.ReadHistoryJSON(path, fh)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return h, nil
}

// noEpochYet is plot's refusal of the run in dir, whose history is missing
// (why): it has ended no epoch yet, or, where its state has trained some,
// its history file is gone since.
func noEpochYet(dir, why string) error {
	if n, ok := run.SavedEpochs(dir); ok && n > 0 {
		return usageError("%s holds a run whose %s has trained %s, but %s (removed or cut short since): nothing to plot", dir, run.StateFile, run.Plural(n, "epoch"), why)
	}
	return usageError("%s holds a run that has ended no epoch yet (%s): plot takes a run's %s once the run has ended an epoch", dir, why, historyName)
}

func isRegular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
