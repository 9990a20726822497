package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"syscall"
	"testing"
	"time"

	"mnistgpu/run"
)

// follower reads a growing file's whole lines as they are appended, as
// `tail -f` does.
type follower struct {
	path string
	off  int64
	rest []byte
}

// next returns the lines completed since the last call.
func (f *follower) next(t *testing.T) []string {
	t.Helper()
	fh, err := os.Open(f.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	buf := make([]byte, 1<<16)
	for {
		n, _ := fh.ReadAt(buf, f.off)
		if n == 0 {
			break
		}
		f.off += int64(n)
		f.rest = append(f.rest, buf[:n]...)
	}
	var lines []string
	for {
		i := bytes.IndexByte(f.rest, '\n')
		if i < 0 {
			return lines
		}
		lines = append(lines, string(f.rest[:i]))
		f.rest = f.rest[i+1:]
	}
}

// TestMetricsStreamFollowsTheRun follows metrics.jsonl while a training
// process writes it: the line of epoch 2, read as it appears, is what
// triggers the SIGTERM that stops the run, so the stream was read while the
// run went on. Every line is a whole JSON record; after the resume the
// stream holds start, epochs, stopped, resumed, the remaining epochs and
// the end, and its epochs and end match history.csv, history.json and
// result.json.
func TestMetricsStreamFollowsTheRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte(resumeModel), 0o644)
	out := filepath.Join(dir, "run")
	cmd := command(stopArgs(model, out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	fl := &follower{path: filepath.Join(out, run.MetricsFile)}
	var records []map[string]any
	read := func() {
		for _, line := range fl.next(t) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("line %d of %s is no whole record: %v\n%q", len(records)+1, run.MetricsFile, err, line)
			}
			records = append(records, rec)
			if rec["event"] == "epoch" && rec["epoch"] == 2.0 {
				cmd.Process.Signal(syscall.SIGTERM)
			}
		}
	}
	for running := true; running; {
		select {
		case <-exited:
			running = false
		case <-time.After(5 * time.Millisecond):
		}
		read()
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Fatalf("exit %d, want 143 (stopped by the SIGTERM sent on reading epoch 2's record):\n%s", code, stderr.String())
	}
	if _, stderr, code := output(t, "train", "--resume", out, "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	read()
	if len(fl.rest) != 0 {
		t.Fatalf("%s ends in a partial line %q", run.MetricsFile, fl.rest)
	}

	events := []string{}
	for _, r := range records {
		events = append(events, r["event"].(string))
		if _, err := time.Parse(time.RFC3339Nano, r["time"].(string)); err != nil {
			t.Errorf("%s record: time %v: %v", r["event"], r["time"], err)
		}
	}
	want := []string{"start", "epoch", "epoch", "stopped", "resumed", "epoch", "epoch", "end"}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events %v, want %v\n%s", events, want, stderr.String())
	}
	stopped, resumed := records[3], records[4]
	if stopped["epoch"] != 3.0 || resumed["epoch"] != stopped["epoch"] || resumed["step"] != stopped["step"] {
		t.Errorf("stopped at %v/%v, resumed at %v/%v; want both at epoch 3, the same step", stopped["epoch"], stopped["step"], resumed["epoch"], resumed["step"])
	}
	// The steps in all of the state the stop saved, which the resume read
	// back: what docs/study.md's job script compares to requeue a task.
	if s, ok := stopped["steps"].(float64); !ok || s < 1 || s != resumed["steps"] {
		t.Errorf("stopped record's steps %v, resumed record's %v; want the same count of the saved state", stopped["steps"], resumed["steps"])
	}

	// The start record: config.json, and the data print of result.json.
	var cfg, result map[string]any
	json.Unmarshal(mustRead(t, filepath.Join(out, run.ConfigFile)), &cfg)
	json.Unmarshal(mustRead(t, filepath.Join(out, run.ResultFile)), &result)
	if !reflect.DeepEqual(records[0]["config"], cfg) {
		t.Errorf("start record's config differs from config.json:\n%v\n%v", records[0]["config"], cfg)
	}
	if !reflect.DeepEqual(records[0]["trained_on"], result["trained_on"]) || records[0]["device"] != result["device"] {
		t.Errorf("start record's data print or device differs from result.json's")
	}
	if end := records[len(records)-1]; !reflect.DeepEqual(end["result"], result) {
		t.Errorf("end record's result differs from result.json:\n%v\n%v", end["result"], result)
	}

	// The epochs: history.csv's values and lr, history.json's seconds.
	rows, err := csv.NewReader(bytes.NewReader(mustRead(t, filepath.Join(out, "history.csv")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var hist struct{ Seconds []float64 }
	json.Unmarshal(mustRead(t, filepath.Join(out, "history.json")), &hist)
	var epochs []map[string]any
	for _, r := range records {
		if r["event"] == "epoch" {
			epochs = append(epochs, r)
		}
	}
	if len(epochs) != len(rows)-1 || len(epochs) != 4 {
		t.Fatalf("%d epoch records, %d history rows; want 4", len(epochs), len(rows)-1)
	}
	for i, rec := range epochs {
		for j, key := range rows[0] {
			v, err := strconv.ParseFloat(rows[i+1][j], 64)
			if err != nil {
				t.Fatal(err)
			}
			if key == "epoch" {
				v++ // 0-based in history.csv, as Keras writes it
			}
			if rec[key] != v {
				t.Errorf("epoch %d: %s %v in %s, %v in history.csv", i+1, key, rec[key], run.MetricsFile, v)
			}
		}
		if rec["seconds"] != hist.Seconds[i] {
			t.Errorf("epoch %d: seconds %v, history.json %v", i+1, rec["seconds"], hist.Seconds[i])
		}
	}
}

// readMetrics reads the run's metrics.jsonl in dir, each line a whole
// record.
func readMetrics(t *testing.T, dir string) []map[string]any {
	t.Helper()
	raw := mustRead(t, filepath.Join(dir, run.MetricsFile))
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		t.Fatalf("%s ends in a partial line", run.MetricsFile)
	}
	var out []map[string]any
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("line %d of %s is no whole record: %v\n%q", i+1, run.MetricsFile, err, line)
		}
		out = append(out, rec)
	}
	return out
}
