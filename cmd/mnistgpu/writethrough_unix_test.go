//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// An output path that is a link to an existing file is written through, as
// GNU tools write: the file the link leads to gets the new contents, the
// link stays a link, and the temporary is made (and gone) beside the
// target. The atomic write renamed its file over the link itself, which
// became a regular file while the user's file stayed as it was.
// --save-weights is checked as the file it leads to: a link to another
// run's state is refused, and so is a spelling of the run's own folder
// through a link (L/config.json, L a link to --out), whose config.json the
// weights replaced.
func TestOutputLinkToAFileIsWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep")
	os.Mkdir(keep, 0o777)
	target := filepath.Join(keep, "best.safetensors")
	os.WriteFile(target, []byte("old weights"), 0o644)
	link := filepath.Join(dir, "w.safetensors")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "A")
	trainArgs := func(out string, extra ...string) []string {
		return append(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...), extra...)
	}
	// A temporary of the target that a killed writer left: the run
	// removes it, saying from where.
	stale := filepath.Join(keep, ".best.safetensors.tmp0123456789")
	os.WriteFile(stale, []byte("half"), 0o644)
	_, msg, code := output(t, trainArgs(a, "--save-weights", link)...)
	if code != 0 {
		t.Fatalf("--save-weights a link to a file: exit %d\n%s", code, msg)
	}
	if !strings.Contains(msg, "removed a temporary file from "+keep+" (.best.safetensors.tmp0123456789)") {
		t.Errorf("--save-weights a link: the stale temporary beside its target, said so:\n%s", msg)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("--save-weights %s: the link was replaced (%v)", link, st.Mode())
	}
	if got := mustRead(t, target); !strings.HasPrefix(string(got[8:]), `{"__metadata__"`) {
		t.Errorf("--save-weights %s: %s was not written through the link: %.20q", link, target, got)
	}
	for _, d := range []string{dir, keep} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("%s left in %s", e.Name(), d)
			}
		}
	}

	// Checked as what it leads to.
	toState := filepath.Join(dir, "s.safetensors")
	os.Symlink(filepath.Join(a, run.StateFile), toState)
	b := filepath.Join(dir, "B")
	os.Mkdir(b, 0o777)
	linkB := filepath.Join(dir, "LB")
	os.Symlink(b, linkB)
	before := snapshot(t, a)
	for _, c := range []struct{ weights, says string }{
		{toState, "which holds another run"},
		{filepath.Join(linkB, run.ConfigFile), "is config.json, a file the run writes itself"},
	} {
		_, msg, code := output(t, trainArgs(b, "--save-weights", c.weights)...)
		if code != 2 || !strings.Contains(msg, "--save-weights "+c.weights) || !strings.Contains(msg, c.says) {
			t.Errorf("--save-weights %s: exit %d, want 2 saying %q:\n%s", c.weights, code, c.says, msg)
		}
	}
	sameFiles(t, "the run a link led to", before, snapshot(t, a))

	// plot --out a link to a picture: the picture is drawn anew.
	pic := filepath.Join(keep, "curves.png")
	os.WriteFile(pic, []byte("\x89PNG\r\n\x1a\nold"), 0o644)
	picLink := filepath.Join(dir, "c.png")
	os.Symlink(pic, picLink)
	if _, msg, code := output(t, "plot", filepath.Join(a, "history.json"), "--out", picLink); code != 0 {
		t.Fatalf("plot --out a link to a picture: exit %d\n%s", code, msg)
	}
	if st, err := os.Lstat(picLink); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("plot --out %s: the link was replaced", picLink)
	}
	if got := mustRead(t, pic); len(got) < 100 {
		t.Errorf("plot --out %s: %s was not drawn through the link: %q", picLink, pic, got)
	}
}
