package study

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// A cell is complete when its result.json is the result of its saved state
// (run.CurrentResult, the check a resume makes), or records that it
// diverged. Everything in a study that takes a cell as complete decides it
// here: the plan of a `study run` (complete), merge (completeCells), the
// report and results.csv (LoadResults). A cell whose extension was killed
// partway keeps the shorter run's result.json beside a state, history and
// checkpoints that trained more; taken as complete, it was merged and
// reported with numbers of two runs, and a study run skipped it.

// cellRecord is a complete cell's result.
type cellRecord struct {
	Result *Result // nil when it diverged
	Failed bool    // it diverged (the study wrote {"failed": true})
}

// readCell reads the result of the complete cell in dir: an error that
// wraps fs.ErrNotExist when it has none (not run, or not finished), a
// *run.StaleResultError when its result.json is older than its state.
func readCell(dir string) (cellRecord, error) {
	raw, err := engine.ReadFile(filepath.Join(dir, ResultFile), "result file", engine.MaxRecordFile)
	if err != nil {
		return cellRecord{}, err
	}
	var probe struct {
		Failed bool `json:"failed"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return cellRecord{}, fmt.Errorf("%s: %w", filepath.Join(dir, ResultFile), err)
	}
	if probe.Failed {
		// A diverged cell is a result at any length: the study never
		// trains it again, and its state is that of its last good epoch.
		return cellRecord{Failed: true}, nil
	}
	r, err := run.DecodeResult(dir, raw) // an earlier version's cut epoch counted as CutSteps
	if err != nil {
		return cellRecord{}, err
	}
	if err := run.CheckCurrent(dir, r); err != nil {
		return cellRecord{}, err
	}
	return cellRecord{Result: r}, nil
}
