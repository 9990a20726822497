package mnist

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// lowContrastDigit is a "7" (a bar and a slanting stem) on a 240×200 page
// of grey level paper, drawn darker than the paper by the fraction darker
// (a light-grey pen on white, a pencil on grey paper; negative: lighter,
// that fraction of the way to white), each pixel varied by
// up to ±noise levels.
func lowContrastDigit(paper uint8, darker float64, noise int) *image.Gray {
	r := rand.New(rand.NewPCG(3, 4))
	img := image.NewGray(image.Rect(0, 0, 240, 200))
	ink := uint8(float64(paper) * (1 - darker))
	if darker < 0 { // lighter ink on dark paper: that far towards white
		ink = uint8(float64(paper) - darker*float64(255-paper))
	}
	for y := 0; y < 200; y++ {
		for x := 0; x < 240; x++ {
			v := paper
			xc := 150 - (y-45)*50/125
			if x >= 60 && x < 160 && y >= 30 && y < 45 || y >= 45 && y < 170 && x >= xc-8 && x < xc+8 {
				v = ink
			}
			if noise > 0 {
				v = uint8(min(255, max(0, int(v)+r.IntN(2*noise+1)-noise)))
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	return img
}

// TestLowContrastDigitIsNotBlank: a digit only 20-30% darker than its
// paper (a light-grey digit on white, a pencil drawing on grey paper) came
// out blank, and predict said "blank, so not classified" of a digit anyone
// can see: ink had to be 0.2 of the full scale above the background's
// level, whatever the paper's. Ink is now judged by its contrast with the
// paper, after normalising to the paper's level (a faint picture's own
// strongest stroke sets the bar, down to a tenth of the paper's level),
// and comes out as a digit of MNIST's shape; an image of one colour, or a
// blank page with a little noise, stays blank. A picture of strong ink is
// laid out as before (TestFromImageSameAsBefore).
func TestLowContrastDigitIsNotBlank(t *testing.T) {
	for _, c := range []struct {
		name   string
		paper  uint8
		darker float64
		noise  int
	}{
		{"light grey on white, 20% darker", 255, 0.20, 0},
		{"light grey on white, 25% darker", 255, 0.25, 0},
		{"pencil on grey paper, 20% darker", 180, 0.20, 3},
		{"pencil on grey paper, 30% darker", 180, 0.30, 3},
		{"grey on dark paper, 25% lighter", 60, -0.25, 0},
		{"ink 100 on paper 128", 128, 0.21875, 0},
	} {
		px := FromImage(lowContrastDigit(c.paper, c.darker, c.noise))
		if Blank(px) {
			t.Errorf("%s: blank", c.name)
			continue
		}
		r0, c0, r1, c1 := 28, 28, -1, -1
		for r := 0; r < 28; r++ {
			for col := 0; col < 28; col++ {
				if px[r*28+col] > 0 {
					r0, c0, r1, c1 = min(r0, r), min(c0, col), max(r1, r), max(c1, col)
				}
			}
		}
		if hgt, wid := r1-r0+1, c1-c0+1; max(hgt, wid) != 20 {
			t.Errorf("%s: ink bounding box %d×%d, want 20 on the long side (the digit's, not the page's)", c.name, hgt, wid)
		}
	}
	for _, c := range []struct {
		name  string
		paper uint8
		noise int
	}{{"white", 255, 0}, {"grey", 128, 0}, {"black", 0, 0}, {"grey paper with ±3 levels of noise", 180, 3}, {"white with ±3 levels of noise", 255, 3}} {
		if px := FromImage(lowContrastDigit(c.paper, 0, c.noise)); !Blank(px) {
			t.Errorf("a page of %s with no digit is not blank", c.name)
		}
	}
}

// photoOfAPage is a 640×480 photo of a page of grey level paper, each pixel
// varied by a camera's noise of standard deviation sigma levels (normal,
// rounded), with the "7" of lowContrastDigit drawn darker by the fraction
// darker where darker is not 0.
func photoOfAPage(paper uint8, darker, sigma float64) *image.Gray {
	r := rand.New(rand.NewPCG(5, 6))
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			v := float64(paper)
			xc := 380 - (y-110)*120/300
			if darker != 0 && (x >= 150 && x < 400 && y >= 80 && y < 110 || y >= 110 && y < 410 && x >= xc-18 && x < xc+18) {
				v *= 1 - darker
			}
			img.Pix[y*img.Stride+x] = uint8(min(255, max(0, math.Round(v+r.NormFloat64()*sigma))))
		}
	}
	return img
}

// TestPhotoOfABlankPageIsBlank: a phone's photo of a blank page, its
// pixels varied by a noise of 8 levels (3%, standard deviation), was
// blank, and predict said so; since ink was judged by a tenth of the
// paper's level (TestLowContrastDigitIsNotBlank), the one pixel in a
// thousand that the noise takes past it was ink, and predict classified
// the noise as a digit, exit 0. The bar now stands above the paper's own
// noise (6 of its standard deviations, measured on the border, and never
// above the 0.2 it was), so the page is blank again, and a digit 20%
// darker on that page is still a digit.
func TestPhotoOfABlankPageIsBlank(t *testing.T) {
	for _, sigma := range []float64{3, 5, 8} {
		for _, paper := range []uint8{235, 180} {
			if px := FromImage(photoOfAPage(paper, 0, sigma)); !Blank(px) {
				t.Errorf("a photo of a blank page of grey %d with noise of %g levels is not blank", paper, sigma)
			}
			if px := FromImage(photoOfAPage(paper, 0.2, sigma)); Blank(px) {
				t.Errorf("a digit 20%% darker on a photo of a page of grey %d with noise of %g levels is blank", paper, sigma)
			}
		}
	}
}
