package study

import (
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"mnistgpu/engine"
)

// PictureFormats are the extensions (any case) a picture is written in by
// its name: a PNG, or an SVG or a PDF, which gonum/plot draws as vectors.
// A name without one of them is a PNG.
var PictureFormats = []string{".png", ".svg", ".pdf"}

// newPicture is a w×h canvas that writes the format path's extension names.
func newPicture(path string, w, h vg.Length) vg.CanvasWriterTo {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		return vgsvg.New(w, h)
	case ".pdf":
		return vgpdf.New(w, h)
	}
	return vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
}

// writePicture encodes a canvas atomically, through a link to a file (the
// picture a plot --out link names is replaced, not the link).
func writePicture(path string, c vg.CanvasWriterTo) error {
	return engine.WriteFileAtomic(engine.WriteTarget(path), func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}
