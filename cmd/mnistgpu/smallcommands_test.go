package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmallerCommandsDoWhatWasAsked: values the smaller commands took for
// something else, each refused now (exit 2) with nothing written:
// `data verify --data-dir ""` (an unset variable) verified the user cache
// and said it matched; `plot --out ""` wrote the default curves.png;
// `plot --out` in a folder that is not there drew the plot, then failed
// its write (exit 1, naming the temporary file); `plot --out curves.jpg`
// wrote a PNG under a JPEG's name; `bench --threads ""` timed the default.
func TestSmallerCommandsDoWhatWasAsked(t *testing.T) {
	dir := t.TempDir()
	history := filepath.Join(dir, "history.json")
	os.WriteFile(history, []byte(`{"epoch":[0],"history":{"loss":[0.5],"accuracy":[0.8]},"seconds":[1]}`), 0o644)
	missing := filepath.Join(dir, "nowhere", "x.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"data", "verify", "--data-dir", ""}, `--data-dir "" is empty`},
		{[]string{"plot", history, "--out", ""}, `--out "" is empty: name the picture file (.png, .svg or .pdf)`},
		{[]string{"plot", history, "--out", missing}, "--out " + missing + " is in " + filepath.Dir(missing) + ", which does not exist"},
		{[]string{"plot", history, "--out", filepath.Join(history, "x.png")}, "which is not a folder"},
		{[]string{"plot", history, "--out", filepath.Join(dir, "curves.jpg")}, "names a .jpg file, and plot writes a PNG"},
		{[]string{"bench", "--model", "mlp", "--steps", "1", "--runs", "1", "--threads", ""}, `--threads takes thread counts (0: the default) separated by commas, got ""`},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want exit code 2 and %q", c.args, err, c.want)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Errorf("refused commands wrote %v", names)
	}
	// What they stand beside still runs.
	if err := cliRun("plot", history, "--out", filepath.Join(dir, "Curves.PNG")); err != nil {
		t.Errorf("plot --out Curves.PNG: %v", err)
	}
}
