//go:build unix

package engine

import (
	"os"
	"path/filepath"
	"strconv"
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

// TestReadFileRefusesWhatA32BitBuildCannotHold: a training state may be
// up to 2 GiB, one byte more than a 32-bit build's longest slice; a file of
// that size is refused there with one line, before a byte is read (it was
// read until memory ran out). A 64-bit build reads such a file, so the
// test runs on 32-bit builds only: GOARCH=386 go test -run 32Bit ./engine/.
func TestReadFileRefusesWhatA32BitBuildCannotHold(t *testing.T) {
	if strconv.IntSize != 32 {
		t.Skip("a 64-bit build holds every file the limits allow")
	}
	path := filepath.Join(t.TempDir(), "state.safetensors")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(MaxStateFile); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	fh.Close()
	_, err = ReadFile(path, "training state file", MaxStateFile)
	if want := path + ": 2.0 GiB, more than a 32-bit build holds in memory"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ReadFile of a 2 GiB state on a 32-bit build: %v, want %q", err, want)
	}
}
