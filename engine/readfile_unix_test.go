//go:build unix

package engine

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFileTakesOnlyBoundedRegularFiles: the bounded reader refuses a
// device, a named pipe (without opening it, which would block) and a
// folder, following links, and a file over its limit; a regular file, or a
// link to one, within the limit is read.
func TestReadFileTakesOnlyBoundedRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok.json")
	if err := os.WriteFile(ok, []byte(`{"a": 1}`), 0o666); err != nil {
		t.Fatal(err)
	}
	zeroLink, okLink := filepath.Join(dir, "zero"), filepath.Join(dir, "ok-link")
	if err := os.Symlink("/dev/zero", zeroLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ok, okLink); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path  string
		limit int64
		want  string
	}{
		{"/dev/zero", 1 << 20, "/dev/zero: a character device, not a regular model file"},
		{zeroLink, 1 << 20, zeroLink + ": a character device, not a regular model file"},
		{fifo, 1 << 20, fifo + ": a named pipe, not a regular model file"},
		{dir, 1 << 20, dir + ": a folder, not a regular model file"},
		{ok, 4, ok + ": 8 bytes, more than the 4 bytes allowed for model files"},
	} {
		if _, err := ReadFile(c.path, "model file", c.limit); err == nil || err.Error() != c.want {
			t.Errorf("ReadFile(%s): %v, want %q", c.path, err, c.want)
		}
	}
	for _, p := range []string{ok, okLink} {
		if raw, err := ReadFile(p, "model file", 8); err != nil || string(raw) != `{"a": 1}` {
			t.Errorf("ReadFile(%s) = %q, %v", p, raw, err)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), "model file", 8); !os.IsNotExist(err) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a missing file: %v, want a not-exist error naming it", err)
	}
}
