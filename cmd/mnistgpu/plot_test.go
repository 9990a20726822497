package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotNeedsAHistory: plot of a JSON file that holds no epochs (a study
// file, an empty history) and plot --out naming a folder are refused by
// name (exit 2) with nothing written; the first wrote an empty curves.png
// and exited 0, the second failed on a rename (exit 1). An --out that
// holds something other than a picture is not replaced.
func TestPlotNeedsAHistory(t *testing.T) {
	dir := t.TempDir()
	study := filepath.Join(dir, "grid.json")
	os.WriteFile(study, []byte(`{"name":"g","axes":[],"seeds":[1]}`), 0o644)
	history := filepath.Join(dir, "history.json")
	os.WriteFile(history, []byte(`{"epoch":[0],"history":{"loss":[0.5],"accuracy":[0.8]},"seconds":[1]}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", study}, study + " holds no epochs: plot takes a run's history.json"},
		{[]string{"plot", history, "--out", dir}, "--out " + dir + " is a folder"},
		// A history that is not there, or an empty argument, is a bad
		// argument too (it exited 1, and said "stat : no such file" of "").
		{[]string{"plot", filepath.Join(dir, "missing.json")}, "missing.json: no such file"},
		{[]string{"plot", dir}, dir + ": a folder, not a regular history file"},
		{[]string{"plot", ""}, `the history file given is "" (an unset variable?)`},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit code 2 and %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "curves.png")); !os.IsNotExist(err) {
		t.Errorf("a refused plot wrote curves.png: %v", err)
	}
	if err := cliRun("plot", history); err != nil {
		t.Errorf("plot of a history: %v", err)
	}
	// Plotted again, its picture is replaced; the history it reads (a
	// careless --out, which the PNG replaced) or any other file is not.
	if err := cliRun("plot", history); err != nil {
		t.Errorf("plot of a history again: %v", err)
	}
	before, _ := os.ReadFile(history)
	err := cliRun("plot", history, "--out", history)
	if after, _ := os.ReadFile(history); exitCode(err) != 2 || !strings.Contains(err.Error(), "exists and is not a PNG") || string(after) != string(before) {
		t.Errorf("plot --out its own history: %v; the history is now %.20q", err, after)
	}
}
