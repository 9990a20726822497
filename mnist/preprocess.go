package mnist

import (
	"image"
	"math"
)

// FromImage converts a photo or scan of one digit to a 28×28 MNIST-style
// image, the way the MNIST set was made: luminance, over paper of the
// colour opposite its ink where the image is transparent (see paperUnder);
// inverted when the
// background (the border) is light, so ink is bright on black; the ink's
// bounding box scaled (area-averaged, aspect kept) to fit 20×20; placed in a
// 28×28 field so that its centre of mass is at the centre.
func FromImage(img image.Image) []uint8 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, 784)
	if w == 0 || h == 0 {
		return out
	}
	grey, alpha := make([]float64, w*h), make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied by a
			grey[y*w+x] = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 65535
			alpha[y*w+x] = float64(a) / 65535
		}
	}
	paper := paperUnder(grey, alpha)
	var border float64
	nb := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := grey[y*w+x] + paper*(1-alpha[y*w+x])
			grey[y*w+x] = v
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border += v
				nb++
			}
		}
	}
	if border/float64(nb) > 0.5 {
		for i := range grey {
			grey[i] = 1 - grey[i]
		}
	}
	// Ink: anything clearly above the background level.
	bg := border / float64(nb)
	if bg > 0.5 {
		bg = 1 - bg
	}
	thr := bg + 0.2
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if grey[y*w+x] > thr {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return out // blank image
	}
	for i := range grey { // background to zero, as MNIST's is
		grey[i] = math.Max(0, (grey[i]-bg)/(1-bg))
	}
	bw, bh := x1-x0+1, y1-y0+1
	scale := 20 / float64(max(bw, bh))
	sw, sh := max(1, int(math.Round(float64(bw)*scale))), max(1, int(math.Round(float64(bh)*scale)))
	box := make([]float64, sw*sh)
	for sy := 0; sy < sh; sy++ {
		for sx := 0; sx < sw; sx++ {
			// Average the source pixels this target pixel covers.
			fy0, fy1 := float64(y0)+float64(sy)/scale, float64(y0)+float64(sy+1)/scale
			fx0, fx1 := float64(x0)+float64(sx)/scale, float64(x0)+float64(sx+1)/scale
			var s, area float64
			for y := int(fy0); y < int(math.Ceil(fy1)) && y < h; y++ {
				for x := int(fx0); x < int(math.Ceil(fx1)) && x < w; x++ {
					a := (math.Min(fy1, float64(y+1)) - math.Max(fy0, float64(y))) * (math.Min(fx1, float64(x+1)) - math.Max(fx0, float64(x)))
					s += a * grey[y*w+x]
					area += a
				}
			}
			if area > 0 {
				box[sy*sw+sx] = s / area
			}
		}
	}
	// Centre of mass of the box, then the offset that puts it at (14, 14)
	// (pixel centres at +0.5), kept inside the field.
	var m, cy, cx float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := box[y*sw+x]
			m += v
			cy += v * (float64(y) + 0.5)
			cx += v * (float64(x) + 0.5)
		}
	}
	oy, ox := (28-sh)/2, (28-sw)/2
	if m > 0 {
		oy = int(math.Round(14 - cy/m))
		ox = int(math.Round(14 - cx/m))
	}
	oy = min(max(oy, 0), 28-sh)
	ox = min(max(ox, 0), 28-sw)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			out[(oy+y)*28+ox+x] = uint8(math.Min(255, math.Round(box[y*sw+x]*255)))
		}
	}
	return out
}

// paperUnder is the luminance (1 white, 0 black) of the paper a transparent
// image lies on: the opposite of its ink, the mean colour of what it draws
// (lum, premultiplied by alpha, weighted by alpha). Over black, a digit on a
// transparent canvas was all black, ink and background alike; over white
// alone, a white digit (or one drawn in alpha only) was blanked. An opaque
// image is the same on any paper.
func paperUnder(lum, alpha []float64) float64 {
	var l, a float64
	for i := range lum {
		l += lum[i]
		a += alpha[i]
	}
	if a > 0 && l/a > 0.5 {
		return 0 // light ink: black paper
	}
	return 1
}
