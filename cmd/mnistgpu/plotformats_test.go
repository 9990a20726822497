package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plot --out writes the format its extension names: gonum/plot draws SVG
// and PDF as well as PNG, and curves.svg was refused ("plot writes a
// PNG"). A re-plot replaces a picture of its format; an existing file of
// that name that is no such picture is not replaced.
func TestPlotWritesSVGAndPDF(t *testing.T) {
	dir := t.TempDir()
	history := filepath.Join(dir, "history.json")
	os.WriteFile(history, []byte(`{"epoch":[0,1],"history":{"loss":[0.5,0.4],"accuracy":[0.8,0.85]},"seconds":[1,1]}`), 0o644)
	for _, c := range []struct{ name, head string }{
		{"curves.svg", "<?xml"}, {"Curves.SVG", "<?xml"}, {"curves.pdf", "%PDF-"}, {"curves.png", "\x89PNG\r\n\x1a\n"},
	} {
		out := filepath.Join(dir, c.name)
		for range 2 { // written, then replaced
			if err := cliRun("plot", history, "--out", out); err != nil {
				t.Fatalf("plot --out %s: %v", c.name, err)
			}
		}
		b, _ := os.ReadFile(out)
		if !bytes.HasPrefix(b, []byte(c.head)) || len(b) < 1000 {
			t.Errorf("plot --out %s wrote %d bytes beginning %.12q, want a picture beginning %q", c.name, len(b), b, c.head)
		}
	}
	for _, c := range []struct{ name, want string }{
		{"notes.svg", "exists and is not an SVG, so it is not replaced"},
		{"notes.pdf", "exists and is not a PDF, so it is not replaced"},
	} {
		out := filepath.Join(dir, c.name)
		os.WriteFile(out, []byte("mine"), 0o644)
		err := cliRun("plot", history, "--out", out)
		if b, _ := os.ReadFile(out); exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) || string(b) != "mine" {
			t.Errorf("plot --out %s over a user's file: %v; the file holds %.20q", c.name, err, b)
		}
	}
	err := cliRun("plot", history, "--out", filepath.Join(dir, "curves.eps"))
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "names a .eps file, and plot writes a PNG, an SVG or a PDF (.png, .svg, .pdf)") {
		t.Errorf("plot --out curves.eps: %v", err)
	}
}
