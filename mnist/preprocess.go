package mnist

import (
	"image"
	"math"
	"slices"
)

// FromImage converts a photo or scan of one digit to a 28×28 MNIST-style
// image, the way the MNIST set was made: luminance, laid on white or black
// paper where the image is transparent (the one that leaves the least ink,
// but some); inverted when the background (the border) is light, so ink is
// bright on black; the ink's bounding box scaled (area-averaged, aspect
// kept) to fit 20×20; placed in a 28×28 field so that its centre of mass is
// at the centre.
func FromImage(img image.Image) []uint8 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, 784)
	if w == 0 || h == 0 {
		return out
	}
	// One full-size plane of float64, the luminance, laid on paper in place
	// once the paper is chosen, and the alpha as read (16 bits) only for a
	// picture that is not opaque: a 4096×4096 one held four planes of
	// float64 (luminance, alpha, and a sheet for each paper; 134 MB each).
	p := plane{lum: make([]float64, w*h), w: w, h: h}
	at := rgbaAt(img)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, a := at(b.Min.X+x, b.Min.Y+y) // premultiplied by a
			i := y*w + x
			p.lum[i] = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 65535
			if a != 0xffff && p.alpha == nil {
				p.alpha = make([]uint16, w*h)
				for j := range i {
					p.alpha[j] = 0xffff
				}
			}
			if p.alpha != nil {
				p.alpha[i] = uint16(a)
			}
		}
	}
	on := p.measure(1)
	if p.alpha != nil {
		// The paper that leaves the least ink, but some: ink drawn on a
		// transparent canvas vanishes on paper of its own colour, and a
		// page framed by a transparent margin (a window screenshot with its
		// shadow) turns into one blot of ink on paper of the opposite colour.
		if k := p.measure(0); k.ink > 0 && (on.ink == 0 || k.ink < on.ink) {
			on = k
		}
	}
	if on.ink == 0 {
		return out // blank image
	}
	p.lay(on)
	on.grey = p.lum
	grey, bg, x0, y0, x1, y1 := on.grey, on.bg, on.x0, on.y0, on.x1, on.y1
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

// rgbaAt reads a pixel of img as img.At(x, y).RGBA() does; through
// RGBA64At where img has it (every image type the decoders give), which
// does not allocate a color.Color for each pixel.
func rgbaAt(img image.Image) func(x, y int) (r, g, b, a uint32) {
	if m, ok := img.(image.RGBA64Image); ok {
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			c := m.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
		}
	}
	return func(x, y int) (uint32, uint32, uint32, uint32) { return img.At(x, y).RGBA() }
}

// plane is a picture's luminance (premultiplied by alpha, 0..1, w×h) and
// its alpha as read (0..0xffff; nil where it is opaque).
type plane struct {
	lum   []float64
	alpha []uint16
	w, h  int
}

// sheet is an image laid on paper: its grey levels with ink bright on a
// dark background of level bg, and the bounding box x0..x1 × y0..y1 of its
// ink pixels, of which there are ink. grey is set once it is laid (lay).
type sheet struct {
	grey                []float64
	paper, bg           float64
	inverted            bool
	x0, y0, x1, y1, ink int
}

// grey is pixel i laid on paper of luminance paper (1 white, 0 black),
// inverted when the sheet's border is light.
func (p *plane) grey(i int, paper float64, inverted bool) float64 {
	a := 1.0
	if p.alpha != nil {
		a = float64(p.alpha[i]) / 65535
	}
	v := p.lum[i] + paper*(1-a)
	if inverted {
		v = 1 - v
	}
	return v
}

// measure lays the picture on paper of luminance paper, inverts it when its
// border is light, and finds its ink: anything clearly above the background
// level. It keeps no grey levels: lay writes those of the sheet chosen.
func (p *plane) measure(paper float64) sheet {
	w, h := p.w, p.h
	var border float64
	var edge []float64 // the border's grey levels, for its noise
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				v := p.grey(y*w+x, paper, false)
				border += v
				edge = append(edge, v)
			}
		}
	}
	s := sheet{paper: paper, bg: border / float64(len(edge)), x0: w, y0: h, x1: -1, y1: -1}
	if s.bg > 0.5 {
		s.inverted, s.bg = true, 1-s.bg
	}
	// Ink is what stands out from the paper: a pixel whose grey level is
	// past the paper's by 0.2 of the full scale, or, in a faint picture,
	// by half its strongest stroke's contrast with the paper, normalised
	// to the paper's level, (v-bg)/(1-bg) (for dark ink on light paper:
	// how much darker than the paper it is), and at least minContrast. A
	// light-grey digit on white, or a pencil drawing on grey paper, 20%
	// darker than its paper, had no ink above bg+0.2 and came out blank;
	// an image of one colour has no contrast, and stays blank. Where the
	// strongest stroke's contrast is twice the 0.2 or more (any picture of
	// clear ink), the bar is bg+0.2 as it was.
	peak := s.bg
	for i := range p.lum {
		peak = math.Max(peak, p.grey(i, paper, s.inverted))
	}
	headroom := 1 - s.bg // at least 0.5: bg is at most 0.5 once inverted
	// The bar also stands noiseSigmas of the paper's noise above it (its
	// standard deviation, from the border's median absolute deviation):
	// the photo of a blank page, its pixels varied by a camera's noise of
	// 3%, had one pixel in a thousand a tenth darker than the paper, ink
	// that predict classified as a digit.
	thr := s.bg + math.Min(0.2, math.Max(headroom*math.Max(minContrast, (peak-s.bg)/headroom/2), noiseSigmas*noise(edge)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if p.grey(y*w+x, paper, s.inverted) > thr {
				s.x0, s.y0 = min(s.x0, x), min(s.y0, y)
				s.x1, s.y1 = max(s.x1, x), max(s.y1, y)
				s.ink++
			}
		}
	}
	return s
}

// minContrast is the least contrast with its paper, normalised to the
// paper's level, that FromImage takes for ink: a stroke a tenth darker
// than white paper (or a tenth of the way from dark paper to white).
// Paper grain and a photo's noise of a few percent stay below it.
const minContrast = 0.1

// noiseSigmas is how many standard deviations of its paper's noise ink
// stands above the paper: a normal noise passes 6 of them in about one
// pixel in a billion.
const noiseSigmas = 6

// noise estimates the standard deviation of the noise in grey levels v
// (the border's: paper, mostly) as 1.4826 times their median absolute
// deviation, which a stroke crossing part of the border leaves as it is.
// It reorders v.
func noise(v []float64) float64 {
	median := func(v []float64) float64 {
		slices.Sort(v)
		n := len(v)
		return (v[(n-1)/2] + v[n/2]) / 2
	}
	m := median(v)
	for i := range v {
		v[i] = math.Abs(v[i] - m)
	}
	return 1.4826 * median(v)
}

// lay writes the grey levels of sheet s over the luminance, in place.
func (p *plane) lay(s sheet) {
	for i := range p.lum {
		p.lum[i] = p.grey(i, s.paper, s.inverted)
	}
}

// Blank reports whether a 28×28 image is all one grey level: no digit, as
// FromImage gives for an image of one colour, or of no ink (nothing that
// stands out from its paper by minContrast). A model classifies it all the
// same (as the digit its biases favour), so predict refuses to.
func Blank(pix []uint8) bool {
	for _, p := range pix {
		if p != pix[0] {
			return false
		}
	}
	return true
}
