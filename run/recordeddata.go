package run

import "path/filepath"

// RecordedDataDir is the data folder the run in dir recorded in its state
// file (the --data-dir it trained with, absolute), "" when it recorded
// none (its data came from where a run without --data-dir looks: the user
// cache, a download, the Go module) or has no state to read. Only the
// state file's header is read.
func RecordedDataDir(dir string) string {
	s, err := recordedState(filepath.Join(dir, StateFile))
	if err != nil {
		return ""
	}
	return s.Source.Dir
}
