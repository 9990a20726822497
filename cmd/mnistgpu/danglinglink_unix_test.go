//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputThroughALinkToNothingIsRefused: an --out through a link whose
// target is not made yet (runs -> a scratch folder) is refused naming the
// flag and the link, exit 2 before anything is read, as a folder that
// cannot be made is: mkdir said "file exists", exit 1, naming no flag
// (train, a resume, a study and a merge); nothing is made behind the link.
func TestOutputThroughALinkToNothingIsRefused(t *testing.T) {
	dir := t.TempDir()
	link, target := filepath.Join(dir, "runs"), filepath.Join(dir, "scratch", "me")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	said := link + " is a link to " + target + ", which does not exist: make that folder first"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", filepath.Join(link, "cnn")}, "--out " + filepath.Join(link, "cnn") + ": the run's folder cannot be made or written there: "},
		{[]string{"train", "--model", "mlp", "--data-dir", small, "--no-verify", "--out", link}, "--out " + link + ": the run's folder cannot be made or written there: "},
		{[]string{"train", "--resume", link, "--data-dir", small, "--no-verify"}, "--resume " + link + ": the run's folder cannot be made or written there: "},
		{[]string{"study", "run", "default", "--dry-run", "--data-dir", small, "--no-verify", "--out", filepath.Join(link, "st")}, "--out " + filepath.Join(link, "st") + ": the study's folder cannot be made or written there: "},
		{[]string{"study", "merge", "--out", link, filepath.Join(dir, "shard")}, "--out " + link + ": the study's folder cannot be made or written there: "},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), c.want+said) {
			t.Errorf("%v: %v\nwant exit 2, %s%s", c.args, err, c.want, said)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "scratch")); !os.IsNotExist(err) {
		t.Errorf("a refused command made the link's target: %v", err)
	}
}
