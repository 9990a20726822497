package mnist

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/color/palette"
	"image/jpeg"
	"math/rand/v2"
	"runtime"
	"testing"
)

// fromImageInputs are pictures of normal size, of each type the decoders
// give (PNG: Gray, NRGBA, RGBA, Paletted, Gray16, NRGBA64; JPEG: YCbCr,
// Gray), opaque and transparent, with a bounds not at the origin: a
// stroke of ink and noise on a light or dark page.
func fromImageInputs() map[string]image.Image {
	const w, h = 213, 157
	r := rand.New(rand.NewPCG(1, 2))
	rect := image.Rect(5, -3, 5+w, -3+h)
	level := func(x, y int, light bool) (uint8, uint8) { // grey, alpha
		ink := (x-5-60)*(x-5-60)+(y+3-80)*(y+3-80) < 40*40 && (x-5-60)*(x-5-60)+(y+3-80)*(y+3-80) > 25*25 ||
			(y+3 > 30 && y+3 < 45 && x-5 > 90 && x-5 < 190)
		g := uint8(225 + r.IntN(30))
		if ink {
			g = uint8(10 + r.IntN(60))
		}
		if !light {
			g = 255 - g
		}
		a := uint8(255)
		if !ink && x%7 == 0 {
			a = uint8(r.IntN(256))
		}
		return g, a
	}
	gray, gray16 := image.NewGray(rect), image.NewGray16(rect)
	nrgba, rgba, nrgba64 := image.NewNRGBA(rect), image.NewRGBA(rect), image.NewNRGBA64(rect)
	dark := image.NewNRGBA(rect)
	pal := image.NewPaletted(rect, palette.Plan9)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			g, a := level(x, y, true)
			gray.SetGray(x, y, color.Gray{g})
			gray16.SetGray16(x, y, color.Gray16{uint16(g)*257 + uint16(r.IntN(200))})
			c := color.NRGBA{g, uint8(int(g) * 9 / 10), uint8(min(255, int(g)+r.IntN(20))), a}
			nrgba.SetNRGBA(x, y, c)
			rgba.Set(x, y, c)
			nrgba64.Set(x, y, c)
			pal.Set(x, y, c)
			gd, ad := level(x, y, false)
			dark.SetNRGBA(x, y, color.NRGBA{gd, gd, gd, ad})
		}
	}
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, nrgba, &jpeg.Options{Quality: 85})
	ycbcr, _ := jpeg.Decode(bytes.NewReader(jpg.Bytes()))
	jpg.Reset()
	jpeg.Encode(&jpg, gray, nil)
	jgray, _ := jpeg.Decode(bytes.NewReader(jpg.Bytes()))
	return map[string]image.Image{"gray": gray, "gray16": gray16, "nrgba": nrgba, "rgba": rgba, "nrgba64": nrgba64,
		"dark": dark, "paletted": pal, "ycbcr": ycbcr, "jpeg-gray": jgray}
}

// FromImage gives, bit for bit, the pixels it gave before it kept fewer
// full-size copies of a large picture (the SHA-256 of its 784 bytes for
// each input, taken then on amd64).
func TestFromImageSameAsBefore(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		// Go may fuse a multiply and an add into one rounding on other
		// processors (arm64, ppc64le, s390x): their pixels can differ.
		t.Skip("the sums were taken on amd64")
	}
	want := map[string]string{
		"gray":      "dc9e50e2a4f95b71f080fa5ebcc3c6499ba61721f393b94307ffe231dd55c07e",
		"gray16":    "09e1bc107c504a061cd90e8b3b8f1c43bb7b032d8df9081673a65a778ecb94dd",
		"nrgba":     "fbbab77cb1fd43998c89da03144ea3bf0be7a8ccc6ce06e8cdec31ba36376e6d",
		"rgba":      "275b71bf630fcb789ff182156238b421e7172e02445907066166213ae1537f0e",
		"nrgba64":   "fbbab77cb1fd43998c89da03144ea3bf0be7a8ccc6ce06e8cdec31ba36376e6d",
		"dark":      "c8e0b369b20ec0c0f5cdb7d8bdbdb22b8a0ee205667d3e6b1576f6c63be0ac6c",
		"paletted":  "e919c8348e22ca518d8b9cc4cfe27bd856e0760b20506c8c98e3983f5b2a5a1d",
		"ycbcr":     "4c3d2124175d0e273654b003459dc1254dd40d03a2f5e3eeb0591b066862339d",
		"jpeg-gray": "9189838628931c78654ed6533717966c80a2b0bafb82bd73bc93a6034c85fb83",
	}
	for name, img := range fromImageInputs() {
		px := FromImage(img)
		if Blank(px) {
			t.Errorf("%s: blank; the test wants a digit", name)
		}
		sum := sha256.Sum256(px)
		got := hex.EncodeToString(sum[:])
		if w, ok := want[name]; !ok || got != w {
			t.Errorf("%s (%T): FromImage's pixels have SHA-256 %s, before %s", name, img, got, w)
		}
	}
}

// FromImage of a large picture keeps one full-size plane of float64 (the
// luminance, laid on paper in place) and, for a picture that is not
// opaque, its alpha in 16 bits: 10 bytes a pixel. It kept four planes of
// float64 (32 bytes a pixel) and allocated a color.Color for each pixel
// read; predict of a 4096×4096 PNG peaked at 680 MB.
func TestFromImageKeepsOnePlane(t *testing.T) {
	const n = 1024
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := n / 4; y < 3*n/4; y++ { // a bar of ink on a transparent canvas
		for x := n/2 - 40; x < n/2+40; x++ {
			img.SetNRGBA(x, y, color.NRGBA{A: 255})
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	px := FromImage(img)
	runtime.ReadMemStats(&after)
	if Blank(px) {
		t.Fatal("the bar came out blank")
	}
	if perPixel := float64(after.TotalAlloc-before.TotalAlloc) / (n * n); perPixel > 11 {
		t.Errorf("FromImage allocated %.1f bytes a pixel of a %d×%d picture; want at most 11 (a plane of float64 and 16-bit alpha)", perPixel, n, n)
	}
}
