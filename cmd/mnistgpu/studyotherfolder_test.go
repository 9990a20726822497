package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study whose file names a model by a relative path ("model": "net.json")
// reads it from the folder study run starts in (docs/study.md). Run again
// from another folder, its cells' recorded model is another file: the
// rerun is refused before anything trains (exit 2), saying why (and so
// where that folder has no net.json) — started
// from another folder; run it from the first, or write absolute paths. It
// failed each cell (exit 1) as "a run of other settings … move it away (or
// remove it)", writing failed.txt into finished cells.
func TestStudyRerunFromAnotherFolderSaysSo(t *testing.T) {
	dir := t.TempDir()
	data, err := filepath.Abs(small)
	if err != nil {
		t.Fatal(err)
	}
	first, other := filepath.Join(dir, "first"), filepath.Join(dir, "other")
	const net = `{"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}`
	for _, d := range []string{first, other} {
		os.MkdirAll(d, 0o755)
		if err := os.WriteFile(filepath.Join(d, "net.json"), []byte(net), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := filepath.Join(dir, "rel.json")
	os.WriteFile(spec, []byte(`{"seeds":[1],"fixed":{"model":"net.json","epochs":"1","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	args := []string{"study", "run", spec, "--out", out, "--data-dir", data, "--no-verify", "--threads", "1"}
	if log, code := commandIn(t, first, args...); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, log)
	}
	cell := filepath.Join(out, "cells", "seed=1")
	result, err := os.ReadFile(filepath.Join(cell, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, more := range [][]string{nil, {"--epochs", "2"}} {
		log, code := commandIn(t, other, append(args, more...)...)
		if code != 2 {
			t.Errorf("%v from another folder: exit %d, want 2\n%s", more, code, log)
		}
		for _, want := range []string{`"model": "net.json"`, "relative path", "another folder", "run it from " + first, "write absolute paths",
			filepath.Join(first, "net.json"), filepath.Join(other, "net.json")} {
			if !strings.Contains(log, want) {
				t.Errorf("%v from another folder: the refusal does not say %q:\n%s", more, want, log)
			}
		}
		if strings.Contains(log, "remove it") {
			t.Errorf("%v: the refusal still tells the user to remove the cell:\n%s", more, log)
		}
		if _, err := os.Stat(filepath.Join(cell, "failed.txt")); err == nil {
			t.Errorf("%v: the finished cell got a failed.txt", more)
		}
		if now, _ := os.ReadFile(filepath.Join(cell, "result.json")); string(now) != string(result) {
			t.Errorf("%v: the cell's result.json changed", more)
		}
	}
	// From a folder without the file, the cause is the same: not a
	// refusal of "net.json" as no model file.
	bare := filepath.Join(dir, "bare")
	os.MkdirAll(bare, 0o755)
	if log, code := commandIn(t, bare, args...); code != 2 || !strings.Contains(log, "run it from "+first) {
		t.Errorf("from a folder without net.json: exit %d, want 2 saying to run it from %s\n%s", code, first, log)
	}
	if log, code := commandIn(t, first, append(args, "--epochs", "2")...); code != 0 {
		t.Errorf("extended from its first folder: exit %d\n%s", code, log)
	}
}
