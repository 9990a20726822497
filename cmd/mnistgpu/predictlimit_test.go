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

// TestLimitWithPicturesAloneIsRefused: predict --limit counts the images
// shown of an IDX file; beside PNG/JPEG files alone it was dropped in
// silence (each picture classified, exit 0). It is refused, exit 2, before
// anything is classified; beside an IDX file it applies as before.
func TestLimitWithPicturesAloneIsRefused(t *testing.T) {
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	writeModelWeights(t, weights, softmaxRegression, 784, 10)
	digit := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 6; y < 22; y++ {
		digit.Pix[y*28+14] = 255
	}
	var b bytes.Buffer
	png.Encode(&b, digit)
	one, two := filepath.Join(dir, "one.png"), filepath.Join(dir, "two.png")
	os.WriteFile(one, b.Bytes(), 0o644)
	os.WriteFile(two, b.Bytes(), 0o644)
	stdout, stderr, code := output(t, "predict", "--weights", weights, "--limit", "1", one, two)
	if want := "--limit 1: counts the images shown of an IDX image file, and " + one + ", " + two + " are PNG/JPEG images"; code != 2 || stdout != "" || !strings.Contains(stderr, want) {
		t.Errorf("--limit beside pictures alone: exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, want)
	}
	digits := filepath.Join(small, "t10k-images-idx3-ubyte.gz")
	stdout, stderr, code = output(t, "predict", "--weights", weights, "--limit", "2", one, digits)
	if code != 0 || strings.Count(stdout, "\n") != 3 {
		t.Errorf("--limit 2 beside an IDX file: exit %d, want one picture and two digits\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := output(t, "predict", "--weights", weights, one, two); code != 0 {
		t.Errorf("pictures without --limit: exit %d\n%s", code, stderr)
	}
}
