package run

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// A write cut short (a full disk) leaves a partial last line; the next
// session's metrics drop it before appending, so every line stays whole.
func TestMetricsDropAPartialLastLine(t *testing.T) {
	for _, c := range []struct{ before, want string }{
		{"", ""},
		{`{"event":"start"}` + "\n", `{"event":"start"}` + "\n"},
		{`{"event":"start"}` + "\n" + `{"event":"ep`, `{"event":"start"}` + "\n"},
		{`{"event":"sta`, ""},
		{strings.Repeat("x", 5000) + "\n" + strings.Repeat("y", 9000), strings.Repeat("x", 5000) + "\n"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, MetricsFile)
		os.WriteFile(path, []byte(c.before), 0o644)
		m, err := openMetrics(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.write("failed", map[string]any{"error": "x"}); err != nil {
			t.Fatal(err)
		}
		m.close()
		raw, _ := os.ReadFile(path)
		got, last, _ := strings.Cut(string(raw[len(c.want):]), "\n")
		if !strings.HasPrefix(string(raw), c.want) || last != "" || !strings.Contains(got, `"event":"failed"`) {
			t.Errorf("%.20q...: file now %.60q...", c.before, raw)
		}
	}
}

// metrics.jsonl is a run's file: alone in a folder it marks a run there,
// and --overwrite replaces it with the rest; beside a user's notes.txt,
// the folder is no run's, and --overwrite replaces nothing.
func TestMetricsFileIsARunFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, MetricsFile), []byte(`{"event":"start"}`+"\n"), 0o644)
	cfg := Default()
	cfg.Output.Dir = dir
	_, err := claimOutput(dir, cfg, false)
	if _, ok := err.(*OutputInUseError); !ok {
		t.Fatalf("a folder holding metrics.jsonl: %v, want it in use", err)
	}
	replaced, err := claimOutput(dir, cfg, true)
	if err != nil || len(replaced) != 1 || replaced[0] != MetricsFile {
		t.Fatalf("--overwrite replaces %v (%v), want metrics.jsonl alone", replaced, err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	for _, overwrite := range []bool{false, true} {
		replaced, err := claimOutput(dir, cfg, overwrite)
		if _, ok := err.(*OtherFilesError); !ok || len(replaced) > 0 {
			t.Errorf("beside a user's notes.txt, overwrite %v: replaces %v (%v), want nothing, refused", overwrite, replaced, err)
		}
	}
}

// An epoch's NaN is null in metrics.jsonl and an infinity "Infinity" or
// "-Infinity", as in history.json (docs/interop.md): JSON has neither, and
// the record must still be written. An infinity was null, which history.json
// keeps apart from a NaN.
func TestMetricsEpochWritesNonFiniteAsHistoryJSON(t *testing.T) {
	dir := t.TempDir()
	m, err := openMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	var h engine.History
	h.Append(0, engine.Logs{"loss": 0.5, "val_loss": math.NaN(), "val_accuracy": math.Inf(1), "accuracy": math.Inf(-1)}, 1)
	if err := m.epoch(&h, 0.01, &engine.TrainCheckpoint{Step: 25}); err != nil {
		t.Fatal(err)
	}
	m.close()
	raw, _ := os.ReadFile(filepath.Join(dir, MetricsFile))
	for _, want := range []string{`"loss":0.5`, `"val_loss":null`, `"val_accuracy":"Infinity"`, `"accuracy":"-Infinity"`, `"epoch":1`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("metrics.jsonl lacks %s: %s", want, raw)
		}
	}
}
