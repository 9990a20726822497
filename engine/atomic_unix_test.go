//go:build unix

package engine

import (
	"io"
	"os"
	"path/filepath"
	"strings"
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

// TestWriteFileAtomicReplacesOnlyFiles: an output path that names a named
// pipe, or a link to one (as /dev/stdout is a link to the process's
// terminal or pipe), is refused and left as it was. The rename put a
// regular file in its place: `plot --out /dev/null` as root replaced the
// system's /dev/null with a PNG.
func TestWriteFileAtomicReplacesOnlyFiles(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o666); err != nil {
		t.Skip("no named pipes here:", err)
	}
	link := filepath.Join(dir, "stdout")
	if err := os.Symlink(pipe, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{pipe, link, dir} {
		err := WriteFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("png")); return err })
		if err == nil || !strings.Contains(err.Error(), "not a file, and is not replaced") {
			t.Errorf("writing %s: %v, want it refused", p, err)
		}
	}
	if st, err := os.Lstat(pipe); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is now %v (%v)", st.Mode(), err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is now %v (%v)", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
