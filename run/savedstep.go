package run

import "path/filepath"

// SavedStep is the step within its epoch that the state in dir continues
// after (its EpochStep: 0 at an epoch's start), and whether there is a
// state to read. Only the state file's header is read.
func SavedStep(dir string) (int, bool) {
	var st struct {
		EpochStep int `json:"epoch_step"`
	}
	if err := readStateHeader(filepath.Join(dir, StateFile), &st); err != nil {
		return 0, false
	}
	return st.EpochStep, true
}
