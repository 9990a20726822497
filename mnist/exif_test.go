package mnist

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// withOrientation is a JPEG of img (Go's encoder) with Exif data
// recording orientation o.
func withOrientation(t *testing.T, img image.Image, o int, order binary.ByteOrder) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	return AddExifOrientation(enc.Bytes(), o, order)
}

// A photo is turned upright as its Exif Orientation says: each of the
// eight puts the stored pixels where TIFF defines them, and a JPEG without
// Exif data stays as it is.
func TestUprightFollowsExif(t *testing.T) {
	// Stored 3 wide, 2 high: a b c / d e f.
	stored := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(stored.Pix, []uint8{10, 20, 30, 40, 50, 60})
	for _, c := range []struct {
		o    int
		w, h int
		want []uint8 // the upright image, row by row
	}{
		{1, 3, 2, []uint8{10, 20, 30, 40, 50, 60}},
		{2, 3, 2, []uint8{30, 20, 10, 60, 50, 40}},
		{3, 3, 2, []uint8{60, 50, 40, 30, 20, 10}},
		{4, 3, 2, []uint8{40, 50, 60, 10, 20, 30}},
		{5, 2, 3, []uint8{10, 40, 20, 50, 30, 60}},
		{6, 2, 3, []uint8{40, 10, 50, 20, 60, 30}},
		{7, 2, 3, []uint8{60, 30, 50, 20, 40, 10}},
		{8, 2, 3, []uint8{30, 60, 20, 50, 10, 40}},
	} {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			raw := withOrientation(t, stored, c.o, order)
			if got := exifOrientation(raw); got != c.o {
				t.Fatalf("orientation %d (%v): read %d", c.o, order, got)
			}
		}
		up := Upright(stored, withOrientation(t, stored, c.o, binary.BigEndian))
		if b := up.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Fatalf("orientation %d: %v, want %d×%d", c.o, b, c.w, c.h)
		}
		for i, want := range c.want {
			x, y := i%c.w, i/c.w
			if got := color.GrayModel.Convert(up.At(up.Bounds().Min.X+x, up.Bounds().Min.Y+y)).(color.Gray).Y; got != want {
				t.Errorf("orientation %d: pixel (%d, %d) is %d, want %d", c.o, x, y, got, want)
			}
		}
	}
	var plain bytes.Buffer
	jpeg.Encode(&plain, stored, nil)
	if exifOrientation(plain.Bytes()) != 0 || Upright(stored, plain.Bytes()) != image.Image(stored) {
		t.Error("a JPEG without Exif data was turned")
	}
}

// Upright turns a photo without copying it: a copy of a 12-megapixel
// photo (RGBA64, 96 MB) doubled predict's memory and tripled its time. The
// turned image reads the stored pixels where they lie.
func TestUprightIsAView(t *testing.T) {
	stored := image.NewGray(image.Rect(0, 0, 3, 2))
	up := Upright(stored, withOrientation(t, stored, 6, binary.BigEndian))
	stored.Pix[0] = 200 // the stored (0, 0), shown at (1, 0) by orientation 6
	if got := color.GrayModel.Convert(up.At(1, 0)).(color.Gray).Y; got != 200 {
		t.Errorf("a pixel changed in the stored image is %d in the turned one, want 200: Upright copied it", got)
	}
}
