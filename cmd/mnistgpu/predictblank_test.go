package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// predict prints no probabilities for a blank image (one colour, no ink,
// from a photo or in an IDX file): it says so on stderr, classifies the
// rest, and exits 1, as for a file it cannot read. It classified one as the
// digit the model's biases favour, with a confidence that meant nothing.
func TestPredictSaysABlankImage(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	writeModelWeights(t, weights, softmaxRegression, 784, 10)
	white := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range white.Pix {
		white.Pix[i] = 200
	}
	var b bytes.Buffer
	png.Encode(&b, white)
	page := filepath.Join(dir, "page.png")
	os.WriteFile(page, b.Bytes(), 0o644)
	idx := filepath.Join(dir, "blank.idx") // one 28×28 image of zeros
	os.WriteFile(idx, append([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28}, make([]byte, 784)...), 0o644)
	digits := filepath.Join(small, "t10k-images-idx3-ubyte.gz")

	stdout, stderr, code := output(t, "predict", "--weights", weights, "--limit", "1", page, digits, idx)
	if code != 1 || strings.Contains(stdout, "page.png") || strings.Contains(stdout, "blank.idx") || !strings.Contains(stdout, "t10k-images-idx3-ubyte.gz[0]: ") {
		t.Errorf("predict of two blank images and a digit: exit %d, stdout %q; want the digit alone classified, exit 1", code, stdout)
	}
	for _, n := range []string{"page.png: the image is blank", "blank.idx[0]: the image is blank", "blank, so not classified: " + page + ", " + idx + "[0]"} {
		if !strings.Contains(stderr, n) {
			t.Errorf("stderr %q; want %q", stderr, n)
		}
	}

	// A file it cannot read beside a blank one: the count is of the files
	// not read. It said "1 of 3 files could not be classified", where two
	// were not (the blank one too, named after it).
	missing := filepath.Join(dir, "missing.png")
	_, stderr, code = output(t, "predict", "--weights", weights, page, missing, digits)
	want := "mnistgpu: 1 of 3 files could not be read: " + missing + "; blank, so not classified: " + page
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("predict of a blank image, a missing file and a digit: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// A light-grey digit on white (a stroke 20% darker than the page, as a
// pencil drawing is) is classified: predict called it "blank, so not
// classified", exit 1, though anyone sees the digit. A page of one
// colour stays blank (above).
func TestPredictClassifiesALowContrastDigit(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	writeModelWeights(t, weights, softmaxRegression, 784, 10)
	img := image.NewGray(image.Rect(0, 0, 120, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 120; x++ {
			img.Pix[y*img.Stride+x] = 255
			if xc := 75 - (y-22)*25/62; x >= 30 && x < 80 && y >= 15 && y < 22 || y >= 22 && y < 85 && x >= xc-4 && x < xc+4 {
				img.Pix[y*img.Stride+x] = 204 // 20% darker than the page
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	seven := filepath.Join(dir, "seven.png")
	os.WriteFile(seven, b.Bytes(), 0o644)
	stdout, stderr, code := output(t, "predict", "--weights", weights, seven)
	if code != 0 || !strings.Contains(stdout, "seven.png: ") || strings.Contains(stderr, "blank") {
		t.Errorf("predict of a light-grey digit on white: exit %d, stdout %q, stderr %q; want it classified", code, stdout, stderr)
	}
}
