package engine

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// History is what model.fit returns: one Logs per epoch.
type History struct {
	Epochs  []int // 0-based, as Keras's CSVLogger writes them
	Logs    []Logs
	Seconds []float64 // wall time of each epoch, validation included
}

// Append records one epoch.
func (h *History) Append(epoch int, logs Logs, seconds float64) {
	c := Logs{}
	for k, v := range logs {
		c[k] = v
	}
	h.Epochs = append(h.Epochs, epoch)
	h.Logs = append(h.Logs, c)
	h.Seconds = append(h.Seconds, seconds)
}

// Keys are the metric names, sorted as Keras's CSVLogger sorts them.
func (h *History) Keys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, l := range h.Logs {
		for k := range l {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// WriteCSV writes Keras CSVLogger's format: epoch then the sorted keys,
// each value as Python writes a float ("1.0", "nan").
func (h *History) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	keys := h.Keys()
	if err := cw.Write(append([]string{"epoch"}, keys...)); err != nil {
		return err
	}
	for i, l := range h.Logs {
		row := []string{strconv.Itoa(h.Epochs[i])}
		for _, k := range keys {
			v, ok := l[k]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, pyRepr(v)) // the csv module writes repr(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// historyJSON is Keras's history.history dict plus epochs and seconds. A
// metric that is not a finite number (a val_loss of NaN or Inf after a last
// step that diverged) is null: JSON has no NaN, and encoding/json refuses
// one, which failed the save of the run's state and history at that epoch.
type historyJSON struct {
	Epoch   []int                 `json:"epoch"`
	History map[string][]*float64 `json:"history"`
	Seconds []float64             `json:"seconds"`
}

// WriteJSON writes {"epoch": [...], "history": {"loss": [...], ...}, "seconds": [...]},
// a non-finite value as null.
func (h *History) WriteJSON(w io.Writer) error {
	out := historyJSON{Epoch: h.Epochs, History: map[string][]*float64{}, Seconds: h.Seconds}
	for _, k := range h.Keys() {
		vals := make([]*float64, len(h.Logs))
		for i, l := range h.Logs {
			if v := l[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals[i] = &v
			}
		}
		out.History[k] = vals
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ReadHistoryJSON parses what WriteJSON wrote.
func ReadHistoryJSON(name string, r io.Reader) (*History, error) {
	var in historyJSON
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: invalid history JSON: %w", name, err)
	}
	// WriteJSON writes one time per epoch; a list of another length would
	// leave an epoch without its time (a resumed run's log indexes it).
	if len(in.Seconds) != len(in.Epoch) {
		return nil, fmt.Errorf("%s: %d epochs with %d times in \"seconds\"", name, len(in.Epoch), len(in.Seconds))
	}
	h := &History{Epochs: in.Epoch, Seconds: in.Seconds}
	for i := range in.Epoch {
		l := Logs{}
		for k, vals := range in.History {
			if i >= len(vals) {
				return nil, fmt.Errorf("%s: metric %q has %d values for %d epochs", name, k, len(vals), len(in.Epoch))
			}
			l[k] = math.NaN() // null: not a finite number
			if vals[i] != nil {
				l[k] = *vals[i]
			}
		}
		h.Logs = append(h.Logs, l)
	}
	return h, nil
}
