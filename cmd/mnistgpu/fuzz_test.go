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
	f.Add([]byte{0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})
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

// TestDecodeImagesKeepsTheIDXError: a file that starts as an IDX image file
// is reported with the IDX parser's error (here its giant dimensions), not
// as an image of unknown format.
func TestDecodeImagesKeepsTheIDXError(t *testing.T) {
	giant := []byte{0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}
	_, _, err := decodeImages("giant.idx", giant, 5)
	if err == nil || !strings.Contains(err.Error(), "giant.idx: implausible dimensions 2147483647×2147483647×2147483647") {
		t.Errorf("giant IDX: err = %v", err)
	}
	short := []byte{0, 0, 8, 3, 0, 0}
	if _, _, err := decodeImages("short.idx", short, 5); err == nil || !strings.Contains(err.Error(), "short.idx: truncated IDX header") {
		t.Errorf("short IDX: err = %v", err)
	}
	if _, _, err := decodeImages("notes.txt", []byte("hello, world"), 5); err == nil || !strings.Contains(err.Error(), "neither an IDX image file nor a PNG/JPEG image") {
		t.Errorf("text: err = %v", err)
	}
}
