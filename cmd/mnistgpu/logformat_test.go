package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A line written in pieces is written once, whole, with the time; a blank
// line stays blank in text and is left out of JSON; a last line without its
// newline is written by flush.
func TestLineLogWritesWholeTimedLines(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 22, 7, 123456789, time.FixedZone("CET", 3600))
	for _, c := range []struct {
		json bool
		want string
	}{
		{false, "2026-12-03T09:22:07.123Z Epoch 1/2\n\n2026-12-03T09:22:07.123Z loss: \"0.5\"\n2026-12-03T09:22:07.123Z end\n"},
		{true, `{"time":"2026-12-03T09:22:07.123Z","msg":"Epoch 1/2"}` + "\n" + `{"time":"2026-12-03T09:22:07.123Z","msg":"loss: \"0.5\""}` + "\n" +
			`{"time":"2026-12-03T09:22:07.123Z","msg":"end"}` + "\n"},
	} {
		var out bytes.Buffer
		l := &lineLog{w: &out, json: c.json, now: func() time.Time { return at }}
		for _, piece := range []string{"Epoch ", "1/2\n\nloss: ", "\"0.5\"\r\n", "end"} {
			l.Write([]byte(piece))
		}
		l.flush()
		if out.String() != c.want {
			t.Errorf("json %v:\n%s\nwant\n%s", c.json, out.String(), c.want)
		}
	}
}

// untimed strips the time that starts each line of a run's stderr when it
// is not a terminal.
func untimed(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for i, l := range lines {
		if ts, rest, ok := strings.Cut(l, " "); ok {
			if _, err := time.Parse(logTimeLayout, ts); err == nil {
				lines[i] = rest
			}
		}
	}
	return strings.Join(lines, "\n")
}

// TestLogFormats: `train` with stderr on a pipe writes every line with its
// time; with --log-format json every line is a JSON object with "time" and
// "msg", the device choice, the epochs' lines and the final error included,
// in `study run` too; `evaluate --format
// json` prints the numbers of its text form and of result.json. A bad
// --log-format or --format is a usage error, before anything is written.
func TestLogFormats(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	args := []string{"train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", out, "--epochs", "2", "--train-limit", "400"}
	_, stderr, code := output(t, args...)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		ts, _, _ := strings.Cut(l, " ")
		if _, err := time.Parse(logTimeLayout, ts); l != "" && err != nil {
			t.Errorf("line without its time: %q", l)
		}
	}
	if !strings.Contains(untimed(stderr), "\nEpoch 2/2\n") {
		t.Errorf("no epoch line:\n%s", stderr)
	}

	// The same run refused (its folder holds a run), in JSON.
	_, stderr, code = output(t, append(args, "--log-format", "json")...)
	msgs := jsonLines(t, stderr)
	if code != 2 || len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1], "already holds a run") {
		t.Errorf("exit %d, want 2 with the refusal as the last JSON line:\n%s", code, stderr)
	}
	// The CPU build says where --device auto runs (no runner beside the
	// test binary: on the CPU) before the command's own lines.
	args = []string{"train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", filepath.Join(dir, "json"),
		"--epochs", "1", "--train-limit", "400", "--log-format", "json"}
	want := []string{"MNIST: "}
	if cpuBuild() {
		args, want = append(args, "--device", "auto"), []string{"device auto: using cpu", "MNIST: "}
	}
	_, stderr, code = output(t, args...)
	msgs = jsonLines(t, stderr)
	for i, w := range want {
		if i >= len(msgs) || !strings.HasPrefix(msgs[i], w) {
			t.Errorf("JSON line %d does not start with %q", i+1, w)
		}
	}
	if code != 0 || !slices.Contains(msgs, "Epoch 1/1") {
		t.Errorf("exit %d, want the epoch lines as JSON:\n%s", code, stderr)
	}
	spec := filepath.Join(dir, "study.json")
	os.WriteFile(spec, []byte(`{"name": "j", "axes": [{"name": "optimizer", "values": ["sgd", "adam"]}], "seeds": [1],
  "fixed": {"model": "mlp", "epochs": "1", "train-limit": "200"}}`), 0o644)
	_, stderr, code = output(t, "study", "run", spec, "--out", filepath.Join(dir, "study"), "--data-dir", small, "--no-verify", "--log-format", "json")
	msgs = jsonLines(t, stderr)
	if code != 0 || !strings.HasPrefix(msgs[len(msgs)-1], "shard 1/1: 2 cells, 2 run now") {
		t.Errorf("study run --log-format json: exit %d\n%s", code, stderr)
	}

	weights := filepath.Join(out, "final.safetensors")
	text, _, code := output(t, "evaluate", "--weights", weights, "--data-dir", small, "--no-verify")
	js, _, code2 := output(t, "evaluate", "--weights", weights, "--data-dir", small, "--no-verify", "--format", "json")
	var ev struct {
		Weights  string  `json:"weights"`
		Loss     float64 `json:"test_loss"`
		Accuracy float64 `json:"test_accuracy"`
		Images   int     `json:"images"`
	}
	if err := json.Unmarshal([]byte(js), &ev); err != nil || code != 0 || code2 != 0 {
		t.Fatalf("evaluate --format json: %q (exit %d, %v)", js, code2, err)
	}
	wantText := formatEvaluation(ev.Loss, ev.Accuracy, ev.Images)
	if text != wantText || ev.Weights != weights || ev.Accuracy != readResult(t, out).FinalTestAcc {
		t.Errorf("evaluate: text %q, json %+v; want the text %q and result.json's accuracy %v", text, ev, wantText, readResult(t, out).FinalTestAcc)
	}

	for _, bad := range [][]string{
		{"train", "--out", filepath.Join(dir, "bad"), "--log-format", "xml"},
		{"study", "run", "--out", filepath.Join(dir, "bad"), "--log-format", "yaml"},
		{"evaluate", "--weights", weights, "--format", "csv"},
	} {
		if _, stderr, code := output(t, bad...); code != 2 || !strings.Contains(stderr, "want text or json") {
			t.Errorf("%v: exit %d, want 2:\n%s", bad, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("a refused --log-format wrote its folder")
	}
}

// jsonLines are the messages of a --log-format json stderr, each line a
// JSON object of a time and a message, and nothing else.
func jsonLines(t *testing.T, stderr string) []string {
	t.Helper()
	var msgs []string
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		var rec struct{ Time, Msg string }
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("not a JSON line: %q (%v)\n%s", l, err, stderr)
		}
		if _, err := time.Parse(time.RFC3339, rec.Time); err != nil || rec.Msg == "" {
			t.Errorf("line %q: time %q, msg %q", l, rec.Time, rec.Msg)
		}
		msgs = append(msgs, rec.Msg)
	}
	return msgs
}
