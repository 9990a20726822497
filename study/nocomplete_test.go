package study

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestReportOfNoCompleteCells: the report of a study none of whose cells is
// complete (killed before their first epoch ended, or never run) is refused
// as a setting (exit 2), saying which cells were started, or that none was,
// and how to finish them; nothing is written in report/. It said "no
// complete cells to report", exit 1, in both cases.
func TestReportOfNoCompleteCells(t *testing.T) {
	f := optimizerStudy("n")
	dir := t.TempDir()
	if err := Run(f, dir, run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	cells, _ := filepath.Glob(filepath.Join(dir, "cells", "*"))
	if len(cells) != 2 {
		t.Fatalf("cells %v, want 2", cells)
	}
	for _, c := range cells { // as a kill within the first epoch leaves them
		for _, name := range []string{ResultFile, "history.json", "history.csv", run.StateFile, run.FinalFile} {
			os.Remove(filepath.Join(c, name))
		}
	}
	check := func(want string) {
		t.Helper()
		_, err := Report(dir, io.Discard)
		var se *SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("report: %v, want a setting error saying %q", err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "report")); !os.IsNotExist(err) {
			t.Errorf("a refused report made report/: %v", err)
		}
	}
	check(dir + ": no complete cells to report: 2 of its 2 cells started (optimizer=sgd,seed=1, optimizer=adam,seed=1) and none is complete (killed, stopped, failed or still training); continue the study with study run to finish them")
	if err := os.RemoveAll(filepath.Join(dir, "cells")); err != nil {
		t.Fatal(err)
	}
	check(dir + ": no complete cells to report: none of its 2 cells has been run yet")
}
