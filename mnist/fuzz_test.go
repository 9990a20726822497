package mnist

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(small, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw[:min(len(raw), 4096)])
		f.Add(raw)
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
