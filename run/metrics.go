package run

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"mnistgpu/engine"
)

// MetricsFile is the run's event stream: one JSON object a line, appended
// as the run goes, for a program to follow (`tail -f`, a log shipper,
// pandas.read_json(lines=True)). Each record is one write of a whole line
// and goes to the operating system at once (no buffer), so a killed run
// leaves whole lines only; a resumed run appends to it.
//
// Records, by "event" (every one has "time", RFC 3339 in UTC):
//
//	start    a new run: "config" (as config.json), "device", "trained_on"
//	         (the data print of result.json), "epochs_planned"
//	resumed  a resumed run: "epoch" (1-based) and "step" (steps taken in
//	         it) it continues at, "steps" in all, "device", "trained_on"
//	epoch    an epoch trained: "epoch" (1-based: history.csv's + 1), the
//	         history's values (loss, accuracy, val_loss, val_accuracy, and
//	         lr when a callback logs it) by their names, "lr" (the rate the
//	         epoch trained with), "seconds" (the epoch's, as in
//	         history.json; 0 on a simulated device), "steps" in all
//	cut      an epoch the step budget cut short (cutepoch.go): "epoch",
//	         "step" (its steps trained) of "epoch_steps", "steps" in all,
//	         and its figures as an epoch record has them, as they stood at
//	         the cut (loss and accuracy over its steps, the validation of
//	         the weights there); history.csv and history.json, which hold
//	         whole epochs, leave it out. A resume that only finishes the
//	         run (its result not written) does not record it again; a
//	         larger budget trains the epoch on, whose end is an epoch record
//	stopped  a stop on request: "epoch", "step" it stopped after, "steps"
//	         in all (as saved in its state: a job script compares them
//	         with the last record's before the run to tell whether a
//	         stopped run trained anything before it requeues it)
//	end      the run finished: "result", as result.json holds it
//	failed   the run failed: "error"
//
// An epoch's record is written before its state file, so a run killed in
// between trains that epoch again after its resume: after a resumed record,
// the epochs from its epoch on are trained anew, and a reader keeps the
// last record of each epoch.
const MetricsFile = "metrics.jsonl"

// metrics appends records to a run's MetricsFile.
type metrics struct {
	f         *os.File
	next      int    // 0-based epoch whose record comes next
	steps     uint64 // steps in all of the state last saved, for the stopped and cut records
	epochStep int    // its step within its epoch (0 at an epoch's end), for the cut record
	// recordedCut is the cut record the stream holds of the state a
	// finishing session resumed at (zero: none).
	recordedCut cutMark
}

// openMetrics opens dir's MetricsFile for appending. A last line left
// incomplete (a write cut short by a full disk) is dropped first, so that
// every line stays a whole record.
func openMetrics(dir string) (*metrics, error) {
	path := filepath.Join(dir, MetricsFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := dropPartialLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("metrics: %s: %w", path, err)
	}
	return &metrics{f: f}, nil
}

// dropPartialLine truncates f after its last newline.
func dropPartialLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	const chunk = 4096
	end := st.Size()
	buf := make([]byte, chunk)
	for pos := end; pos > 0; {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			if keep := pos + int64(i) + 1; keep != end {
				return f.Truncate(keep)
			}
			return nil
		}
	}
	return f.Truncate(0)
}

// write appends one record: the event, the time, then fields.
func (m *metrics) write(event string, fields map[string]any) error {
	rec := map[string]any{"event": event, "time": time.Now().UTC().Format(time.RFC3339Nano)}
	for k, v := range fields {
		rec[k] = v
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if _, err := m.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

func (m *metrics) close() error { return m.f.Close() }

// start records a new run, or the resume of one at ck.
func (m *metrics) start(cfg Config, device string, data DataPrint, ck *engine.TrainCheckpoint) error {
	if ck == nil {
		m.next = 0
		return m.write("start", map[string]any{"config": cfg, "device": device, "trained_on": data, "epochs_planned": cfg.Epochs})
	}
	m.next, m.steps, m.epochStep = ck.NextEpoch, ck.Step, ck.EpochStep
	if ck.EpochStep > 0 && cfg.MaxSteps > 0 && ck.Step >= uint64(cfg.MaxSteps) {
		// Resumed at the cut of its step budget: it ends that epoch again.
		at := cutMark{epoch: ck.NextEpoch + 1, steps: ck.Step}
		found, err := m.findCut(at)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if found {
			m.recordedCut = at
		}
	}
	return m.write("resumed", map[string]any{"epoch": ck.NextEpoch + 1, "step": ck.EpochStep, "steps": ck.Step,
		"device": device, "trained_on": data, "epochs_planned": cfg.Epochs})
}

// epoch records the last epoch of h, the history of the snapshot ck,
// unless it is recorded already (a snapshot within an epoch holds the
// history of the epochs before); lr is the optimizer's rate, used when no
// callback logged the epoch's.
func (m *metrics) epoch(h *engine.History, lr float64, ck *engine.TrainCheckpoint) error {
	m.steps, m.epochStep = ck.Step, ck.EpochStep
	i := len(h.Logs) - 1
	if i < 0 || h.Epochs[i] < m.next {
		return nil
	}
	m.next = h.Epochs[i] + 1
	rec := epochFields(h, i, lr)
	rec["steps"] = ck.Step
	return m.write("epoch", rec)
}

// epochFields are the fields of epoch i of h in its epoch or cut record:
// "epoch" (1-based), its figures, "lr" (lr where no callback logged the
// epoch's rate) and "seconds".
func epochFields(h *engine.History, i int, lr float64) map[string]any {
	rec := map[string]any{"lr": lr}
	for k, v := range h.Logs[i] {
		rec[k] = engine.JSONMetric(v) // NaN null, ±Inf "Infinity", "-Infinity", as history.json
	}
	rec["epoch"], rec["seconds"] = h.Epochs[i]+1, h.Seconds[i]
	return rec
}

// end records how the run ended: its result, a stop or a failure.
func (m *metrics) end(r *Result, err error) error {
	if s, ok := err.(*StoppedError); ok {
		return m.write("stopped", map[string]any{"epoch": s.Epoch, "step": s.Step, "steps": m.steps})
	}
	if err != nil {
		return m.write("failed", map[string]any{"error": err.Error()})
	}
	return m.write("end", map[string]any{"result": r})
}
