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

// historyJSON is Keras's history.history dict plus epochs and seconds, each
// value a JSONMetric.
type historyJSON struct {
	Epoch   []int                   `json:"epoch"`
	History map[string][]JSONMetric `json:"history"`
	Seconds []float64               `json:"seconds"`
}

// WriteJSON writes {"epoch": [...], "history": {"loss": [...], ...}, "seconds": [...]},
// a NaN as null and an infinity as "Infinity" or "-Infinity" (JSONMetric).
// A history of no epochs is the empty lists, "epoch": [] and "seconds": []
// (a nil slice is null in JSON, which a run stopped within its first epoch
// wrote).
func (h *History) WriteJSON(w io.Writer) error {
	out := historyJSON{Epoch: append([]int{}, h.Epochs...), History: map[string][]JSONMetric{}, Seconds: append([]float64{}, h.Seconds...)}
	for _, k := range h.Keys() {
		vals := make([]JSONMetric, len(h.Logs))
		for i, l := range h.Logs {
			vals[i] = JSONMetric(l[k])
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
			l[k] = float64(vals[i])
		}
		h.Logs = append(h.Logs, l)
	}
	return h, nil
}

// JSONMetric is a value of history.json and of metrics.jsonl's epoch
// records, which JSON has no NaN or infinity for: a NaN is null (what pandas and numpy read as NaN), an infinity the
// string "Infinity" or "-Infinity" (Python's float(), numpy's astype(float)
// and JavaScript's Number() read them; json.dumps writes the same words
// unquoted, which is not JSON). An infinity was null too before, read back
// as NaN: a resumed run's history.csv said nan where it had said inf. A
// file of then reads as it did.
type JSONMetric float64

func (v JSONMetric) MarshalJSON() ([]byte, error) {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return []byte("null"), nil
	case math.IsInf(f, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(f)
}

func (v *JSONMetric) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*v = JSONMetric(math.NaN())
	case `"Infinity"`:
		*v = JSONMetric(math.Inf(1))
	case `"-Infinity"`:
		*v = JSONMetric(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%.40s is not a number, null, \"Infinity\" or \"-Infinity\"", b)
		}
		*v = JSONMetric(f)
	}
	return nil
}
