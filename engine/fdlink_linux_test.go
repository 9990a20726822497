package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteFileAtomicKeepsDescriptorLinks: an output path that is a link
// to an open file descriptor (/dev/stdout is one to /proc/self/fd/1) is
// refused, even when the descriptor is a regular file (`> w.safetensors`),
// and the link stays. Followed, the link named a regular file, and the
// rename put the weights in place of the link: as root, `--save-weights
// /dev/stdout > w.safetensors` replaced the system's /dev/stdout with a
// file and left w.safetensors empty.
func TestWriteFileAtomicKeepsDescriptorLinks(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "redirected"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	stdout, chained := filepath.Join(dir, "stdout"), filepath.Join(dir, "chained")
	if err := os.Symlink(fd, stdout); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("stdout", chained); err != nil { // relative, through the first
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir("/")
	for _, p := range []string{stdout, chained, fd, strings.TrimPrefix(fd, "/")} {
		err := WriteFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("weights")); return err })
		if err == nil || !strings.Contains(err.Error(), "a link to an open file descriptor") {
			t.Errorf("writing %s: %v, want it refused", p, err)
		}
	}
	for _, p := range []string{stdout, chained} {
		if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is now %v (%v), want the link kept", p, st.Mode(), err)
		}
	}
	// A link to a file is no descriptor: it is written as before.
	plain := filepath.Join(dir, "plain")
	os.WriteFile(filepath.Join(dir, "target"), nil, 0o644)
	os.Symlink("target", plain)
	if NotAFile(plain) != "" {
		t.Errorf("a link to a regular file is refused: %s", NotAFile(plain))
	}
}
