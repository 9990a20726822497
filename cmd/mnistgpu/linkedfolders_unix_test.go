//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A folder reached through a link is the folder it leads to: a run whose
// --out is a link to another run's checkpoint folder, or whose checkpoint
// folder (inside --out) is a link to another run's folder or its
// checkpoint folder, is refused before anything runs, exit 2 naming the
// flag, the link and the other run. Both were accepted: the first wrote a
// whole run among the other's checkpoints; the second's --overwrite
// removed the other run's checkpoints its template matched, and its own
// were written over theirs.
func TestFoldersThroughLinksAreWhereTheyLead(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "A")
	tmpl := "ckpt/{epoch}.safetensors"
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "2", "--out", a,
		"--checkpoint", tmpl, "--save-best-only=false"}, smallData...)...); err != nil {
		t.Fatal(err)
	}
	before := treeSnapshot(t, a)
	nowhere := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline"}

	c := filepath.Join(dir, "c")
	os.Symlink(filepath.Join(a, "ckpt"), c)
	_, msg, code := output(t, append(nowhere, "--out", c)...)
	if code != 2 || !strings.Contains(msg, "--out "+c) || !strings.Contains(msg, "checkpoint folder of the run in "+a) {
		t.Errorf("--out a link to another run's checkpoint folder: exit %d, want 2 naming --out and %s:\n%s", code, a, msg)
	}
	for _, to := range []string{filepath.Join(a, "ckpt"), a + "/ckpt/../ckpt"} {
		b, err := os.MkdirTemp(dir, "b")
		if err != nil {
			t.Fatal(err)
		}
		os.Symlink(to, filepath.Join(b, "ckpt"))
		_, msg, code := output(t, append(nowhere, "--out", b, "--checkpoint", tmpl, "--overwrite")...)
		if code != 2 || !strings.Contains(msg, "--checkpoint") || !strings.Contains(msg, "leads to "+filepath.Join(a, "ckpt")) || !strings.Contains(msg, a) {
			t.Errorf("--checkpoint into a link to %s: exit %d, want 2 naming --checkpoint and %s:\n%s", to, code, a, msg)
		}
	}
	sameFiles(t, "the run the links lead to", before, treeSnapshot(t, a))
	// A link inside --out to a folder of its own is the run's.
	own := filepath.Join(dir, "own")
	os.MkdirAll(filepath.Join(own, "real"), 0o777)
	os.Symlink("real", filepath.Join(own, "ckpt"))
	if _, msg, _ := output(t, append(nowhere, "--out", own, "--checkpoint", tmpl)...); strings.Contains(msg, "--checkpoint") {
		t.Errorf("--checkpoint through a link to a folder of --out: %s", msg)
	}
}
