package study

import (
	"io"

	"gonum.org/v1/plot/vg/vgimg"

	"mnistgpu/engine"
)

// writePNG encodes a canvas atomically.
func writePNG(path string, c *vgimg.Canvas) error {
	return engine.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	})
}
