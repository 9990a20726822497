package run

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
)

// A run stopped within its first epoch, by a signal (Options.Stop) or by
// its step budget, has ended no epoch: its history.json is one shape for
// both, the empty lists `"epoch": []` and `"seconds": []` of a longer
// history's lists. A stop wrote `"epoch": null, "seconds": null` where the
// budget wrote `[]` (Python's len(h["epoch"]) failed on it). A file of
// then reads as no epochs.
func TestEmptyHistoryIsEmptyLists(t *testing.T) {
	want := "{\n  \"epoch\": [],\n  \"history\": {},\n  \"seconds\": []\n}\n"
	stopped := make(chan struct{})
	close(stopped)
	for _, c := range []struct {
		name string
		o    Options
		max  int
	}{
		{"stop", Options{Stop: stopped}, 0},
		{"budget", Options{}, 1},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		cfg := smallRun(t, dir)
		cfg.MaxSteps = c.max
		_, err := Train(cfg, c.o)
		var stop *StoppedError
		if (c.max == 0) != errors.As(err, &stop) || c.max != 0 && err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "history.json"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s within the first epoch: history.json is\n%s\nwant\n%s", c.name, got, want)
		}
	}
	old, err := engine.ReadHistoryJSON("history.json", bytes.NewReader([]byte(`{"epoch": null, "history": {}, "seconds": null}`)))
	if err != nil || len(old.Epochs) != 0 || len(old.Logs) != 0 {
		t.Errorf("an earlier version's empty history: %+v, %v", old, err)
	}
}
