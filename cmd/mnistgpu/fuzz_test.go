package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"mnistgpu/mnist"
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

// predict turns a phone's JPEG upright before it reads the digit: a bar
// photographed across, stored along (Exif orientation 6), is read across.
// Go's decoder ignores the Exif data, and the digit came out on its side.
func TestPredictTurnsPhotosUpright(t *testing.T) {
	stored := image.NewGray(image.Rect(0, 0, 60, 90))
	for i := range stored.Pix {
		stored.Pix[i] = 255
	}
	for y := 10; y < 80; y++ { // along the stored image's height
		for x := 27; x < 33; x++ {
			stored.Pix[y*60+x] = 0
		}
	}
	var enc bytes.Buffer
	jpeg.Encode(&enc, stored, &jpeg.Options{Quality: 95})
	d, _, err := decodeImages("photo.jpg", mnist.AddExifOrientation(enc.Bytes(), 6, binary.BigEndian), 5)
	if err != nil {
		t.Fatal(err)
	}
	var across, along float64 // ink in the middle row and column of the 28×28 image
	for i := 0; i < 28; i++ {
		across += float64(d.Images[14*28+i])
		along += float64(d.Images[i*28+14])
	}
	if !(across > 2*along) {
		t.Errorf("ink across the middle %g, along it %g: the bar was not turned across", across, along)
	}
}
