package run

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"

	"mnistgpu/engine"
)

// A result.json counts whole epochs, as the history files do (cutepoch.go):
// "epochs" are the epochs that ended, and an epoch the step budget cut
// short is "cut_epoch_steps", its steps trained, beside them. A version
// before counted the cut epoch in "epochs" (a run cut at step 5 of epoch 2
// said 2 epochs, its history.csv holding 1) and wrote no cut_epoch_steps;
// such a file is read as it would be written now (fromEarlierCut), so a
// resume, a study and a merge read results of both versions alike.

// cutStepsKey is CutSteps's key in result.json.
const cutStepsKey = "cut_epoch_steps"

// LastEpoch is the epoch (1-based) the run trained last: the one its step
// budget cut short, else its last whole one.
func (r *Result) LastEpoch() int {
	if r.CutSteps > 0 {
		return r.Epochs + 1
	}
	return r.Epochs
}

// Extent says how far the run trained: "2 epochs", "1 epoch and 5 steps of
// epoch 2", "5 steps of epoch 1" (cut within its first).
func (r *Result) Extent() string {
	switch {
	case r.CutSteps == 0:
		return Plural(r.Epochs, "epoch")
	case r.Epochs == 0:
		return fmt.Sprintf("%s of epoch 1", Plural(r.CutSteps, "step"))
	}
	return fmt.Sprintf("%s and %s of epoch %d", Plural(r.Epochs, "epoch"), Plural(r.CutSteps, "step"), r.Epochs+1)
}

// DecodeResult reads raw, the result.json of the run in dir, as this
// version writes it: one of an earlier version that counted an epoch the
// step budget cut short among its epochs counts it as CutSteps.
func DecodeResult(dir string, raw []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultFile), err)
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) == nil {
		if _, ok := keys[cutStepsKey]; !ok {
			r.fromEarlierCut(dir)
		}
	}
	return &r, nil
}

// fromEarlierCut makes r, read from a result.json without cut_epoch_steps,
// count whole epochs: where the step budget cut its last epoch short (its
// stop is "max_steps" and its state is within that epoch, at the result's
// steps) the earlier version counted that epoch. Without a state (removed
// to save space) the cut record of metrics.jsonl at the result's steps
// says it. A result that neither shows cut (a budget spent at an epoch's
// end, a version that saved the cut epoch as ended) is as it was.
func (r *Result) fromEarlierCut(dir string) {
	if r.Stopped != "max_steps" || r.Epochs == 0 {
		return
	}
	var st struct {
		NextEpoch int    `json:"next_epoch"`
		EpochStep int    `json:"epoch_step"`
		Step      uint64 `json:"step"`
	}
	if err := readStateHeader(filepath.Join(dir, StateFile), &st); err == nil {
		if st.EpochStep > 0 && st.NextEpoch+1 == r.Epochs && st.Step == r.Steps {
			r.Epochs, r.CutSteps = st.NextEpoch, st.EpochStep
		}
		return
	}
	if step := recordedCut(dir, r.Epochs, r.Steps); step > 0 {
		r.Epochs, r.CutSteps = r.Epochs-1, step
	}
}

// recordedCut is the step of epoch (1-based) at which the step budget cut
// the run in dir, at its steps in all, as metrics.jsonl's cut record says
// it; 0 when the stream holds none (or cannot be read).
func recordedCut(dir string, epoch int, steps uint64) int {
	f, err := engine.OpenFile(filepath.Join(dir, MetricsFile), "metrics file", engine.MaxRecordFile)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	step := 0
	for sc.Scan() {
		var rec struct {
			Event string `json:"event"`
			Epoch int    `json:"epoch"`
			Step  int    `json:"step"`
			Steps uint64 `json:"steps"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Event == "cut" && rec.Epoch == epoch && rec.Steps == steps {
			step = rec.Step
		}
	}
	return step
}
