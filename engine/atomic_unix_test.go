//go:build unix

package engine

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFileAtomicMode: a new output file is 0666 less the umask, as
// other tools make them (not the 0600 of a temporary file, nor a fixed 0644
// that ignores a group-writable umask); a replaced file keeps its mode.
func TestWriteFileAtomicMode(t *testing.T) {
	dir := t.TempDir()
	write := func(p string) {
		t.Helper()
		if err := WriteFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
			t.Fatal(err)
		}
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	for i, c := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		p := filepath.Join(dir, "new"+string(rune('a'+i))+".safetensors")
		old := syscall.Umask(c.umask)
		write(p)
		syscall.Umask(old)
		if got := mode(p); got != c.want {
			t.Errorf("umask %03o: mode %03o, want %03o", c.umask, got, c.want)
		}
	}
	// A file the user made private stays private when it is replaced, and
	// one made group-writable stays so under a stricter umask.
	for _, keep := range []os.FileMode{0o600, 0o660} {
		p := filepath.Join(dir, "state.safetensors")
		write(p)
		if err := os.Chmod(p, keep); err != nil {
			t.Fatal(err)
		}
		old := syscall.Umask(0o022)
		write(p)
		syscall.Umask(old)
		if got := mode(p); got != keep {
			t.Errorf("replacing a %03o file: mode %03o, want it kept", keep, got)
		}
	}
}

// TestQuittingRemovesTemporaries: a process that ends at once while a file
// is written (a second Ctrl-C during a state's save) removes the write's
// temporary first, and no write after that makes one. (Unix: Windows
// removes no file that is open.)
func TestQuittingRemovesTemporaries(t *testing.T) {
	t.Cleanup(func() { temporaries.Lock(); temporaries.quitting = false; temporaries.Unlock() })
	dir := t.TempDir()
	writing, quit, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- WriteFileAtomic(filepath.Join(dir, "state.safetensors"), func(w io.Writer) error {
			w.Write([]byte("half of the state"))
			close(writing)
			<-quit
			return nil
		})
	}()
	<-writing
	RemoveTemporaries()
	close(quit)
	if err := <-done; err == nil {
		t.Error("the write went on after its temporary was removed")
	}
	if err := WriteFileAtomic(filepath.Join(dir, "history.csv"), func(io.Writer) error { return nil }); err == nil {
		t.Error("a write began after RemoveTemporaries")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in the folder: %v", entries)
	}
}
