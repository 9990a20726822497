package mnist

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
)

// A phone stores a photo as its sensor read it and says in the JPEG's Exif
// data (tag 0x0112, Orientation) how to turn it upright; Go's decoder
// ignores that, so a digit photographed with the phone held upright came
// out lying on its side, and was classified so.

// Upright is img, decoded from the JPEG raw, turned as its Exif
// Orientation says (img itself when raw records none). The turned image is
// a view that reads img's pixels where they lie, not a copy: a copy of a
// 12-megapixel photo (in RGBA64, 96 MB) doubled predict's memory and
// tripled its time.
func Upright(img image.Image, raw []byte) image.Image {
	o := exifOrientation(raw)
	if o < 2 || o > 8 {
		return img
	}
	return turned{img, o}
}

// turned is img shown as the Exif Orientation o (2–8) says.
type turned struct {
	img image.Image
	o   int
}

func (t turned) ColorModel() color.Model { return t.img.ColorModel() }

// Bounds starts at (0, 0); orientations 5–8 swap the sides.
func (t turned) Bounds() image.Rectangle {
	b := t.img.Bounds()
	if t.o >= 5 {
		return image.Rect(0, 0, b.Dy(), b.Dx())
	}
	return image.Rect(0, 0, b.Dx(), b.Dy())
}

// At is the stored pixel (sx, sy) shown at (x, y), per the TIFF definition
// of each orientation.
func (t turned) At(x, y int) color.Color {
	b := t.img.Bounds()
	if !(image.Point{x, y}.In(t.Bounds())) {
		return t.img.ColorModel().Convert(color.Transparent)
	}
	w, h := b.Dx(), b.Dy()
	var sx, sy int
	switch t.o {
	case 2:
		sx, sy = w-1-x, y
	case 3:
		sx, sy = w-1-x, h-1-y
	case 4:
		sx, sy = x, h-1-y
	case 5:
		sx, sy = y, x
	case 6:
		sx, sy = y, h-1-x
	case 7:
		sx, sy = w-1-y, h-1-x
	case 8:
		sx, sy = w-1-y, x
	}
	return t.img.At(b.Min.X+sx, b.Min.Y+sy)
}

// exifOrientation reads the Orientation of a JPEG's Exif data (0: none).
func exifOrientation(raw []byte) int {
	if len(raw) < 4 || raw[0] != 0xff || raw[1] != 0xd8 {
		return 0
	}
	for i := 2; i+4 <= len(raw) && raw[i] == 0xff; {
		marker, size := raw[i+1], int(binary.BigEndian.Uint16(raw[i+2:]))
		if marker == 0xda || size < 2 || i+2+size > len(raw) { // start of scan: no more headers
			return 0
		}
		seg := raw[i+4 : i+2+size]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 0
}

// tiffOrientation reads tag 0x0112 of the first IFD of the TIFF data t.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	n := int(order.Uint16(t[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if order.Uint16(t[e:]) == 0x0112 {
			return int(order.Uint16(t[e+8:]))
		}
	}
	return 0
}

// AddExifOrientation is the JPEG jpg with an Exif segment recording
// orientation o (TIFF data in byte order order) after its start marker, as
// a camera writes one; tests make photos with it, as WriteImages makes IDX
// files.
func AddExifOrientation(jpg []byte, o int, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	copy(tiff, "MM")
	if order == binary.LittleEndian {
		copy(tiff, "II")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)       // the first IFD
	order.PutUint16(tiff[8:], 1)       // of one entry:
	order.PutUint16(tiff[10:], 0x0112) // Orientation,
	order.PutUint16(tiff[12:], 3)      // a SHORT,
	order.PutUint32(tiff[14:], 1)      // one of them,
	order.PutUint16(tiff[18:], uint16(o))
	seg := append([]byte{0xff, 0xe1, 0, 0}, "Exif\x00\x00"...)
	seg = append(seg, tiff...)
	binary.BigEndian.PutUint16(seg[2:], uint16(len(seg)-2))
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}
