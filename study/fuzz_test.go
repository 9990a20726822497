package study

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// FuzzParseStudy: a study file gives a grid whose every cell is validated
// as a run's settings, or an error naming the file; never a panic.
func FuzzParseStudy(f *testing.F) {
	raw, err := json.Marshal(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"axes": [{"name": "optimizer.lr", "values": ["0.1", "1e-3"]}], "seeds": [1, 2], "fixed": {"epochs": "1"}}`))
	f.Add([]byte(`{"name": "x", "axes": [{"name": "epochs", "values": ["1", "99999999999"]}], "seeds": [18446744073709551615]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := Parse("fuzz.json", raw)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if n := len(s.Cells()); n != s.size() || n > 200 {
			return // a large grid validates each cell: slow, not unsafe
		}
		s.Configs(run.Default(), t.TempDir())
	})
}

// FuzzLoadResults: whatever a study's cells hold as result.json and
// history.json, LoadResults and the report's tables and verdicts give
// numbers or an error naming the file; never a panic.
func FuzzLoadResults(f *testing.F) {
	h := &engine.History{}
	h.Append(0, engine.Logs{"loss": 0.3, "accuracy": 0.9, "val_loss": 0.2, "val_accuracy": 0.95}, 2)
	h.Append(1, engine.Logs{"loss": 0.2, "accuracy": 0.95, "val_loss": 0.1, "val_accuracy": 0.99}, 2)
	var hist bytes.Buffer
	if err := h.WriteJSON(&hist); err != nil {
		f.Fatal(err)
	}
	res, err := json.Marshal(Result{Epochs: 2, Planned: 2, Seconds: 4, Steps: 20, FinalTestLoss: 0.1, FinalTestAcc: 0.98})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(res, hist.Bytes(), []byte(`{"failed": true, "error": "diverged"}`), []byte(`{"epoch":[0],"history":{"val_accuracy":[null]},"seconds":[1]}`))
	f.Add(res, hist.Bytes(), []byte(`{"epochs": 2, "epochs_planned": 9, "seconds": -1}`), []byte(`{}`))
	study := File{Name: "fuzz", Axes: []Axis{{Name: "model", Values: []string{"cnn", "mlp"}}}, Seeds: []uint64{1, 2},
		Fixed: map[string]string{"epochs": "2"}}
	studyJSON, err := json.Marshal(study)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, result1, history1, result2, history2 []byte) {
		dir := t.TempDir()
		write := func(path string, raw []byte) {
			if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, raw, 0o666); err != nil {
				t.Fatal(err)
			}
		}
		write(filepath.Join(dir, "study.json"), studyJSON)
		for i, c := range study.Cells() {
			r, h := result1, history1
			if i%3 == 1 {
				r, h = result2, history2
			}
			cd := filepath.Join(dir, "cells", c.Key(study.Axes))
			write(filepath.Join(cd, ResultFile), r)
			write(filepath.Join(cd, "history.json"), h)
		}
		f, cells, err := LoadResults(dir)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		cells, short, long := currentCells(f, cells)
		groups := Summarise(f, cells)
		markdown(f, groups, Conclusions(f, groups), nil, len(cells), short, long, nil, 2)
		if err := writeResultsTable(io.Discard, f, cells); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzHistoryPlot: `mnistgpu plot` of any history.json draws its curves or
// says why not; never a panic or an endless loop in the plotting library.
// Each input draws a PNG: slow (some hundreds a minute), so its seeds are few.
func FuzzHistoryPlot(f *testing.F) {
	f.Add([]byte(`{"epoch":[0,1],"history":{"loss":[0.5,0.25],"val_accuracy":[0.9,null]},"seconds":[1,1]}`))
	f.Add([]byte(`{"epoch":[0],"history":{"loss":[1e308],"accuracy":[-1e308]},"seconds":[1]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := engine.ReadHistoryJSON("fuzz.json", bytes.NewReader(raw))
		if err != nil || len(h.Logs) > 1000 {
			return
		}
		if err := HistoryPlot(filepath.Join(t.TempDir(), "h.png"), "fuzz", h); err != nil {
			t.Fatal(err)
		}
	})
}
