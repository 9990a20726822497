//go:build unix

package run

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --save-weights path and a link to the same file are one file, and
// share its lock: the weights are written through the link
// (engine.WriteTarget), so a run given the link while another writes the
// file is refused, naming the flag. Each took the lock beside its own
// name (.w.safetensors.lock and .target.safetensors.lock) and both wrote.
func TestSaveWeightsLinkSharesTheFilesLock(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "keep", "target.safetensors")
	os.MkdirAll(filepath.Dir(target), 0o777)
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "w.safetensors")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	first, _, err := lockSaveWeights(Config{Output: OutputConfig{Dir: filepath.Join(dir, "A"), SaveWeights: target}})
	if err != nil || first == nil {
		t.Fatalf("the file's lock: %v", err)
	}
	defer first.Unlock()
	second, _, err := lockSaveWeights(Config{Output: OutputConfig{Dir: filepath.Join(dir, "B"), SaveWeights: link}})
	var bad *ValueError
	if !errors.As(err, &bad) || bad.Flag != "save-weights" || !strings.Contains(err.Error(), "is in use") {
		if second != nil {
			second.Unlock()
		}
		t.Fatalf("a link to a file whose lock is held: %v, want --save-weights ... is in use", err)
	}
}
