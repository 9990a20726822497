package run

import (
	"bufio"
	"encoding/json"
	"io"

	"mnistgpu/engine"
)

// An epoch the step budget cut short (engine.FitConfig.MaxSteps) has no
// epoch end: Keras's CSVLogger writes a row, and its History records an
// epoch, only at on_epoch_end. So history.csv and history.json hold whole
// epochs, the state's history, and the cut epoch's figures (its loss and
// accuracy over the steps it trained, the validation of the weights at the
// cut) go to metrics.jsonl alone, as a "cut" record that says its steps. A
// larger budget trains the epoch on from its cut, and its end is then an
// "epoch" record and a row, as in the run given that budget from the start.

// wholeEpochs is h without its last epoch when the step budget cut that
// epoch short (cut), else h.
func wholeEpochs(h *engine.History, cut bool) *engine.History {
	if !cut || len(h.Logs) == 0 {
		return h
	}
	n := len(h.Logs) - 1
	return &engine.History{Epochs: h.Epochs[:n:n], Logs: h.Logs[:n:n], Seconds: h.Seconds[:n:n]}
}

// cutMark is a "cut" record's place: its epoch (1-based) and its steps in
// all, which tell one cut from another.
type cutMark struct {
	epoch int
	steps uint64
}

// cut records the last epoch of h, which the step budget cut after the
// step of the state last saved (epoch, its step and steps in all, as the
// stopped record has them), of epochSteps. A session that only finishes
// the run (resumed at that cut, killed before its result) does not record
// it again where the stream holds it already.
func (m *metrics) cut(h *engine.History, lr float64, epochSteps int) error {
	i := len(h.Logs) - 1
	if i < 0 {
		return nil
	}
	at := cutMark{epoch: h.Epochs[i] + 1, steps: m.steps}
	if at == m.recordedCut {
		return nil
	}
	rec := epochFields(h, i, lr)
	rec["steps"], rec["step"], rec["epoch_steps"] = m.steps, m.epochStep, epochSteps
	m.recordedCut = at
	return m.write("cut", rec)
}

// findCut looks in the stream for the "cut" record of at, written by the
// session that the step budget ended there: a resume at that cut takes no
// step and ends the epoch as it ended before. A line that is not a record
// (an edited file) is passed over.
func (m *metrics) findCut(at cutMark) (bool, error) {
	r := bufio.NewReader(io.NewSectionReader(m.f, 0, 1<<62))
	for {
		line, err := r.ReadBytes('\n')
		var rec struct {
			Event string `json:"event"`
			Epoch int    `json:"epoch"`
			Steps uint64 `json:"steps"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Event == "cut" && rec.Epoch == at.epoch && rec.Steps == at.steps {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
