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
