package study

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// readCSV reads a results.csv: its header and its rows as maps.
func readCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, k := range rows[0] {
			m[k] = r[i]
		}
		out = append(out, m)
	}
	return rows[0], out
}

// TestStudyWritesResultsCSV: `study run` writes results.csv with a row per
// cell (its axes, seed and results) that encoding/csv reads back, each
// value the one the cell's result.json and history.json hold; a diverged
// cell is a row too, with what it has.
func TestStudyWritesResultsCSV(t *testing.T) {
	f := File{Name: "csv", Axes: []Axis{{Name: "lr", Values: []string{"0.05", "1e30"}}, {Name: "optimizer", Values: []string{"sgd"}}},
		Seeds: []uint64{1, 2}, Fixed: map[string]string{"model": "mlp", "epochs": "2", "batch-size": "50", "train-limit": "300"}}
	dir := t.TempDir()
	if err := Run(f, dir, run.Default(), Options{Jobs: 1, Shard: Shard{1, 1}, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	head, rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	if want := append([]string{"lr", "optimizer", "seed"}, resultColumns...); !reflect.DeepEqual(head, want) {
		t.Fatalf("header %v, want %v", head, want)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want one per cell (4)", len(rows))
	}
	for i, c := range f.Cells() {
		row, cd := rows[i], filepath.Join(dir, "cells", c.Key(f.Axes))
		if row["lr"] != c.Params["lr"] || row["optimizer"] != "sgd" || row["seed"] != strconv.FormatUint(c.Seed, 10) {
			t.Errorf("row %d: %v, want cell %s", i, row, c.Key(f.Axes))
		}
		h := &engine.History{} // none when the first epoch diverged
		if hf, err := os.Open(filepath.Join(cd, "history.json")); err == nil {
			h, err = engine.ReadHistoryJSON("history.json", hf)
			hf.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		best := math.Inf(-1)
		for _, l := range h.Logs {
			best = math.Max(best, l["val_accuracy"])
		}
		if c.Params["lr"] == "1e30" {
			wantBest := ""
			if len(h.Logs) > 0 {
				wantBest = strconv.FormatFloat(best, 'g', -1, 64)
			}
			if row["status"] != "diverged" || row["final_test_accuracy"] != "" || row["best_val_accuracy"] != wantBest || row["epochs_trained"] != strconv.Itoa(len(h.Logs)) {
				t.Errorf("diverged cell %s: %v", c.Key(f.Axes), row)
			}
			continue
		}
		var r run.Result
		if err := json.Unmarshal(mustRead(t, filepath.Join(cd, run.ResultFile)), &r); err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"best_val_accuracy": best, "best_test_accuracy": r.BestTestAccuracy,
			"final_test_accuracy": r.FinalTestAcc, "seconds_trained": r.Seconds, "epochs_trained": float64(len(h.Logs))}
		for k, v := range want {
			if got, err := strconv.ParseFloat(row[k], 64); err != nil || got != v {
				t.Errorf("cell %s: %s %q, want %v", c.Key(f.Axes), k, row[k], v)
			}
		}
		if row["status"] != "finished" || r.BestCheckpoint == "" || len(h.Logs) != 2 {
			t.Errorf("cell %s: status %q, best checkpoint %q, %d epochs", c.Key(f.Axes), row["status"], r.BestCheckpoint, len(h.Logs))
		}
		if best < 0.98 && (row["epochs_to_val_acc_98"] != "" || row["seconds_to_val_acc_98"] != "") {
			t.Errorf("cell %s reached %v at best, yet its time to 0.98 is %v", c.Key(f.Axes), best, row)
		}
	}
}

// The thresholds: the first epoch at or above each, with the training
// seconds to its end; empty when never reached, and seconds empty when the
// device records no time (a simulated one).
func TestResultsCSVThresholds(t *testing.T) {
	f := File{Axes: []Axis{{Name: "model", Values: []string{"cnn"}}}, Seeds: []uint64{3}}
	h := &engine.History{}
	for i, acc := range []float64{0.97, 0.985, 0.9801} {
		h.Append(i, engine.Logs{"val_accuracy": acc}, float64(10+i))
	}
	cell := CellResult{Cell: Cell{Params: map[string]string{"model": "cnn"}, Seed: 3}, History: h,
		Result: Result{Seconds: 33, FinalTestAcc: 0.981}}
	var timed, untimed bytes.Buffer
	writeResultsTable(&timed, f, []CellResult{cell})
	cell.Result.Seconds = 0
	for i := range h.Seconds {
		h.Seconds[i] = 0
	}
	writeResultsTable(&untimed, f, []CellResult{cell})
	want := "model,seed,status,epochs_trained,best_val_accuracy,best_test_accuracy,final_test_accuracy," +
		"epochs_to_val_acc_98,seconds_to_val_acc_98,epochs_to_val_acc_99,seconds_to_val_acc_99,seconds_trained\n"
	if got := timed.String(); got != want+"cnn,3,finished,3,0.985,,0.981,2,21,,,33\n" {
		t.Errorf("timed:\n%s", got)
	}
	if got := untimed.String(); got != want+"cnn,3,finished,3,0.985,,0.981,2,,,,\n" {
		t.Errorf("simulated:\n%s", got)
	}
}
