package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A file or a pipe is no terminal: study's live display (cursor sequences)
// goes only to a console that takes them, on Windows after turning them on.
func TestVTTerminalOnlyForConsoles(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if vtTerminal(f) || vtTerminal(w) {
		t.Errorf("a file (%v) or a pipe (%v) taken for a terminal", vtTerminal(f), vtTerminal(w))
	}
}
