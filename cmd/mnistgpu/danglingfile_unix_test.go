//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputFileThroughALinkToNothingIsRefused: plot's --out and train's
// --save-weights naming a link to a file not made yet (or removed) are
// refused, exit 2, naming the flag, the link and its target, before
// anything is drawn or trained, as an --out folder through a link to
// nothing is: the picture or the weights were renamed over the link
// (exit 0), so the link was gone and nothing was where it pointed.
func TestOutputFileThroughALinkToNothingIsRefused(t *testing.T) {
	dir := t.TempDir()
	history := filepath.Join(dir, "history.json")
	os.WriteFile(history, []byte(`{"epoch":[0],"history":{"loss":[0.5],"accuracy":[0.8]},"seconds":[1]}`), 0o644)
	link := func(name, target string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		return p
	}
	there := link("there.png", filepath.Join(dir, "gone.png"))                       // its folder exists
	nowhere := link("nowhere.png", filepath.Join(dir, "scratch", "curves.png"))      // its folder does not
	weights := link("w.safetensors", filepath.Join(dir, "scratch", "w.safetensors")) // nor here
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", history, "--out", there}, "--out " + there + " is a link to " + filepath.Join(dir, "gone.png") + ", which does not exist"},
		{[]string{"plot", history, "--out", nowhere}, "--out " + nowhere + " is a link to " + filepath.Join(dir, "scratch", "curves.png") + ", which does not exist"},
		{[]string{"train", "--model", "mlp", "--data-dir", filepath.Join(dir, "nodata"), "--out", filepath.Join(dir, "run"), "--save-weights", weights},
			"--save-weights " + weights + " is a link to " + filepath.Join(dir, "scratch", "w.safetensors") + ", which does not exist"},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("%v: %v\nwant exit 2, %s", c.args, err, c.want)
		}
	}
	for _, p := range []string{there, nowhere, weights} {
		if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer the link it was: %v", p, err)
		}
	}
	for _, p := range []string{filepath.Join(dir, "gone.png"), filepath.Join(dir, "scratch"), filepath.Join(dir, "run")} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("a refused command made %s: %v", p, err)
		}
	}
}
