package engine

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileAtomicNeverLeavesHalfAFile: a write that fails half way (as on
// a full disk) keeps the previous file whole and leaves no temporary behind.
func TestWriteFileAtomicNeverLeavesHalfAFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "best.safetensors")
	if err := WriteFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("good weights")); return err }); err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("no space left on device")
	err := WriteFileAtomic(p, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return diskFull
	})
	if !errors.Is(err, diskFull) {
		t.Fatalf("err = %v, want the write error", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "good weights" {
		t.Errorf("previous file now holds %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want only the previous file", len(entries))
	}
	// A folder that does not exist: a clear error naming the path.
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "w.safetensors"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
