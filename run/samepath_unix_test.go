//go:build unix

package run

import (
	"os"
	"path/filepath"
	"testing"
)

// A path through a link to a folder and the folder's real path name one
// file (also one not written yet); a file of the same name in another
// folder is another file.
func TestSamePathThroughLinks(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real, link, other := filepath.Join(dir, "R"), filepath.Join(dir, "L"), filepath.Join(dir, "other")
	for _, d := range []string{real, other} {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "net.json"), []byte("{}"), 0o644)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(real)
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{filepath.Join(link, "net.json"), filepath.Join(real, "net.json"), true},
		{link, real, true},
		{link + "/", real, true},
		{filepath.Join(link, "gone.json"), filepath.Join(real, "gone.json"), true},
		{filepath.Join(link, "not", "made", "yet"), filepath.Join(real, "not", "made", "yet"), true},
		{"net.json", filepath.Join(link, "net.json"), true},
		{filepath.Join(link, "net.json"), filepath.Join(other, "net.json"), false},
		{filepath.Join(link, "gone.json"), filepath.Join(other, "gone.json"), false},
		{filepath.Join(real, "net.json"), filepath.Join(real, "gone.json"), false},
	} {
		if got := SamePath(c.a, c.b); got != c.same {
			t.Errorf("SamePath(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
		}
		if got := SamePath(c.b, c.a); got != c.same {
			t.Errorf("SamePath(%s, %s) = %v, want %v", c.b, c.a, got, c.same)
		}
	}
}
