package mnist

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// A dark, thick, off-centre "7" on a white 300×200 page must come out as
// MNIST does: white ink on black, bounding box 20 pixels on its long side,
// centre of mass at (14, 14).
func TestFromImageLikeMNIST(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	ink := color.Gray{Y: 20}
	for x := 40; x < 140; x++ { // the top bar
		for y := 30; y < 45; y++ {
			img.SetGray(x, y, ink)
		}
	}
	for y := 45; y < 170; y++ { // the stem, slanting left
		xc := 130 - (y-45)*50/125
		for x := xc - 8; x < xc+8; x++ {
			img.SetGray(x, y, ink)
		}
	}
	px := FromImage(img)
	var m, cy, cx float64
	r0, c0, r1, c1 := 28, 28, -1, -1
	for r := 0; r < 28; r++ {
		for c := 0; c < 28; c++ {
			v := float64(px[r*28+c])
			if v > 0 {
				r0, c0, r1, c1 = min(r0, r), min(c0, c), max(r1, r), max(c1, c)
			}
			m += v
			cy += v * (float64(r) + 0.5)
			cx += v * (float64(c) + 0.5)
		}
	}
	if px[0] != 0 || px[783] != 0 {
		t.Errorf("background not black: corners %d, %d", px[0], px[783])
	}
	if hgt, wid := r1-r0+1, c1-c0+1; max(hgt, wid) != 20 {
		t.Errorf("ink bounding box %d×%d, want 20 on the long side", hgt, wid)
	}
	if math.Abs(cy/m-14) > 1 || math.Abs(cx/m-14) > 1 {
		t.Errorf("centre of mass (%.2f, %.2f), want (14, 14) within a pixel", cy/m, cx/m)
	}
	if FromImage(image.NewGray(image.Rect(0, 0, 10, 10)))[400] != 0 {
		t.Error("a blank image did not give a blank digit")
	}
}

// A digit drawn in black on a transparent canvas (a PNG from a drawing
// app) is ink on paper, as the same digit on white is: transparent pixels
// were black, ink and background alike, and the image came out blank.
func TestFromImageOverWhitePaper(t *testing.T) {
	clear := image.NewNRGBA(image.Rect(0, 0, 60, 60))
	white := image.NewNRGBA(image.Rect(0, 0, 60, 60))
	for i := 3; i < len(white.Pix); i += 4 {
		white.Pix[i-3], white.Pix[i-2], white.Pix[i-1], white.Pix[i] = 255, 255, 255, 255
	}
	for y := 10; y < 50; y++ { // a "1"
		for x := 27; x < 33; x++ {
			clear.SetNRGBA(x, y, color.NRGBA{A: 255})
			white.SetNRGBA(x, y, color.NRGBA{A: 255})
		}
	}
	// The same digit in white ink on a transparent canvas, and drawn in
	// alpha alone (white, its opacity the ink), as drawing programs save
	// it: over white paper alone, both came out blank.
	light := image.NewNRGBA(image.Rect(0, 0, 60, 60))
	inAlpha := image.NewNRGBA(image.Rect(0, 0, 60, 60))
	for y := 10; y < 50; y++ {
		for x := 27; x < 33; x++ {
			light.SetNRGBA(x, y, color.NRGBA{R: 255, G: 255, B: 255, A: 255})
		}
	}
	for i := 0; i < len(inAlpha.Pix); i += 4 {
		inAlpha.Pix[i], inAlpha.Pix[i+1], inAlpha.Pix[i+2], inAlpha.Pix[i+3] = 255, 255, 255, light.Pix[i+3]
	}
	want := FromImage(white)
	ink := 0
	for i := range want {
		if want[i] > 0 {
			ink++
		}
	}
	if ink == 0 {
		t.Fatal("the digit on white came out blank")
	}
	for name, img := range map[string]image.Image{"black ink on a transparent canvas": clear, "white ink on a transparent canvas": light, "a digit in alpha": inAlpha} {
		got := FromImage(img)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: pixel %d is %d, %d for the digit on white", name, i, got[i], want[i])
				break
			}
		}
	}
}

// A page framed by a transparent margin (a window screenshot with its
// shadow) is read on paper of the page's colour, as the same page filling
// the image is: black ink on a white page, and white ink on a black one.
// Laid on paper opposite the mean of what it draws (the page), the paper
// was the wrong colour and the page itself became the digit.
func TestFromImageFramedPage(t *testing.T) {
	page := func(paper, ink, margin color.NRGBA) *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, 100, 100))
		for y := 0; y < 100; y++ {
			for x := 0; x < 100; x++ {
				c := margin
				if x >= 10 && x < 90 && y >= 10 && y < 90 {
					c = paper
				}
				if x >= 45 && x < 55 && y >= 25 && y < 75 { // a "1"
					c = ink
				}
				img.SetNRGBA(x, y, c)
			}
		}
		return img
	}
	white, black := color.NRGBA{R: 255, G: 255, B: 255, A: 255}, color.NRGBA{A: 255}
	want := FromImage(page(white, black, white))
	var m, cx float64
	for i, v := range want {
		m += float64(v)
		cx += float64(v) * (float64(i%28) + 0.5)
	}
	if m == 0 || want[14*28+14] == 0 || want[0] != 0 {
		t.Fatal("the bar on a white page filling the image did not come out as a bar on black")
	}
	if math.Abs(cx/m-14) > 1 {
		t.Fatalf("the bar's centre of mass is at column %.2f, want 14", cx/m)
	}
	for name, img := range map[string]image.Image{
		"black ink on a white page in a transparent margin": page(white, black, color.NRGBA{}),
		"white ink on a black page in a transparent margin": page(black, white, color.NRGBA{}),
		"white ink on a black page in a clear white margin": page(black, white, color.NRGBA{R: 255, G: 255, B: 255}),
	} {
		got := FromImage(img)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: pixel %d is %d, %d for the page filling the image", name, i, got[i], want[i])
				break
			}
		}
	}
}
