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
		{[]string{"plot", filepath.Join(dir, "missing.json")}, filepath.Join(dir, "missing.json") + " does not exist: plot takes a run's history.json"},
		{[]string{"plot", dir}, dir + " is a folder: name its history file, " + history},
		{[]string{"plot", filepath.Join(dir, "grid.json", "x")}, "grid.json/x: not a directory"},
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

// TestPlotOfARunWithNoEpochYet: plot of a run that has ended no epoch (killed
// within its first, or still in it: its folder holds config.json and
// metrics.jsonl, maybe a state within the epoch, but no history.json, or an
// empty one) says so, naming the run's folder, exit 2: it said "stat
// RUN/history.json: no such file or directory", "RUN: a folder, not a
// regular history file" or "invalid history JSON: EOF". A run whose state
// has trained epochs but whose history file is gone is told apart.
func TestPlotOfARunWithNoEpochYet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	// 8 steps an epoch; 3 stop within the first.
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "640", "--max-steps", "3", "--out", out}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	history := filepath.Join(out, "history.json")
	// As a kill in the first epoch leaves it: no history, result or final
	// weights; then without its state too (killed before any save).
	for _, f := range []string{"history.json", "history.csv", "result.json", "final.safetensors"} {
		if err := os.Remove(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	noEpoch := out + " holds a run that has ended no epoch yet (no history.json): plot takes a run's history.json once the run has ended an epoch"
	check := func(want string, args ...string) {
		t.Helper()
		err := cliRun(append([]string{"plot"}, args...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
			t.Errorf("plot %v: %v, want exit code 2 and %q", args, err, want)
		}
		if _, err := os.Stat(filepath.Join(out, "curves.png")); !os.IsNotExist(err) {
			t.Errorf("plot %v wrote curves.png: %v", args, err)
		}
	}
	check(noEpoch, history)
	check(noEpoch, out)
	os.Remove(filepath.Join(out, "state.safetensors"))
	check(noEpoch, history)
	os.WriteFile(history, nil, 0o644)
	check(out+" holds a run that has ended no epoch yet (its history.json is empty)", history)

	// A run that ended 2 epochs, its history file removed since.
	done := filepath.Join(t.TempDir(), "done")
	if err := cliRun(append([]string{"train", "--model", "mlp", "--epochs", "2", "--train-limit", "320", "--out", done}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(done, "history.json"))
	err := cliRun("plot", filepath.Join(done, "history.json"))
	if want := done + " holds a run whose state.safetensors has trained 2 epochs, but no history.json (removed or cut short since): nothing to plot"; exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
		t.Errorf("plot of a run whose history was removed: %v, want exit code 2 and %q", err, want)
	}
}
