package main

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
)

// FuzzDecodeImages: predict's input, IDX or PNG/JPEG, never panics and never
// decodes a picture larger than the pixel limit.
func FuzzDecodeImages(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 40, 30)))
	f.Add(buf.Bytes())
	// A PNG header claiming 100000×100000 pixels.
	big := append([]byte(nil), buf.Bytes()...)
	copy(big[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	f.Add(big)
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, names, err := decodeImages("fuzz.img", raw, 5)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.img") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if d.Len() != len(names) || len(d.Images) != d.Len()*784 {
			t.Fatalf("%d images, %d names, %d pixels", d.Len(), len(names), len(d.Images))
		}
	})
}
