package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles adds the start of each test file, decompressed, with its count
// cut to what is kept. Gzip inputs are left out of the seeds: mutated
// deflate streams spend the fuzzer's time expanding data inside the standard
// library (bounded by maxPixels), not in the IDX parser.
func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(small, n))
		if err != nil {
			f.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			f.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		head := 8
		if plain[3] == 3 {
			head = 16
		}
		keep := append([]byte(nil), plain[:min(len(plain), head+3*784)]...)
		keep[7] = 3 // count = 3 (fits both files: 3 labels or 3 images)
		keep[4], keep[5], keep[6] = 0, 0, 0
		if head == 8 {
			keep = keep[:head+3]
		}
		f.Add(keep)
	}
}

// FuzzReadImages: any bytes give images or an error naming the file; never a
// panic, and never an allocation beyond what the data backs.
func FuzzReadImages(f *testing.F) {
	seedFiles(f, "t10k-images-idx3-ubyte.gz")
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Add([]byte{0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 4, 0, 0, 0, 4, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		pix, n, r, c, err := ReadImages("fuzz.idx", bytes.NewReader(raw))
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("fuzz.idx")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			// predict reports a file that starts as IDX with this error.
			if errors.Is(err, ErrNotIDX) && bytes.HasPrefix(raw, []byte{0, 0, 8, 3}) {
				t.Fatalf("IDX magic, yet not IDX: %v", err)
			}
			return
		}
		if len(pix) != n*r*c {
			t.Fatalf("%d pixels for %d×%d×%d", len(pix), n, r, c)
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	seedFiles(f, "t10k-labels-idx1-ubyte.gz")
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 3, 9})
	f.Fuzz(func(t *testing.T, raw []byte) {
		labels, err := ReadLabels("fuzz.idx", bytes.NewReader(raw), 10)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("fuzz.idx")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, l := range labels {
			if l >= 10 {
				t.Fatalf("label %d accepted", l)
			}
		}
	})
}

// FuzzExifOrientation: the Exif reader never panics on a hostile JPEG
// header, and reads an orientation only where it is written.
func FuzzExifOrientation(f *testing.F) {
	jpg := []byte{0xff, 0xd8, 0xff, 0xd9}
	f.Add(AddExifOrientation(jpg, 6, binary.BigEndian))
	f.Add(AddExifOrientation(jpg, 8, binary.LittleEndian))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if o := exifOrientation(raw); o < 0 || o > 0xffff {
			t.Fatalf("orientation %d", o)
		}
	})
}

// FuzzFromImage: predict's preparation of a decoded picture gives 28×28
// pixels for any size (1×1, 1×N, N×1), colour and transparency; never a
// panic.
func FuzzFromImage(f *testing.F) {
	f.Add(uint16(40), uint16(30), []byte{0, 255, 128, 255, 255, 255, 255, 0})
	f.Add(uint16(1), uint16(1), []byte{10, 20, 30, 40})
	f.Add(uint16(1), uint16(300), []byte{255, 255, 255, 255, 0, 0, 0, 255})
	f.Add(uint16(300), uint16(1), []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, w, h uint16, pix []byte) {
		w, h = w%512, h%512 // the decoder's limit is larger; the maths is the same
		img := image.NewNRGBA(image.Rect(3, -2, 3+int(w), -2+int(h)))
		for i := range img.Pix {
			if len(pix) > 0 {
				img.Pix[i] = pix[i%len(pix)]
			}
		}
		if out := FromImage(img); len(out) != 784 {
			t.Fatalf("%d pixels", len(out))
		}
	})
}
