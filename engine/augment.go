package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Augmentation is Keras's ImageDataGenerator for digits: each training image
// gets a random rotation, shift and zoom, drawn per image from a generator
// seeded by (Seed, epoch, step), so a run is reproducible. As in Keras, the
// transform is centred on the image, interpolation is bilinear (order 1) and
// pixels from outside the image take the nearest edge value (fill_mode
// "nearest").
type Augmentation struct {
	Rotation    float64 // degrees: θ ~ U(-Rotation, Rotation)
	WidthShift  float64 // fraction of the width if < 1, else pixels
	HeightShift float64 // fraction of the height if < 1, else pixels
	Zoom        float64 // zx, zy ~ U(1-Zoom, 1+Zoom), independently
	Seed        uint64
}

// Enabled reports whether a would change any image.
func (a *Augmentation) Enabled() bool {
	return a != nil && (a.Rotation != 0 || a.WidthShift != 0 || a.HeightShift != 0 || a.Zoom != 0)
}

// Bounds of the augmentation ranges. Keras's ImageDataGenerator checks only
// the form of its ranges; its successors, the RandomRotation,
// RandomTranslation and RandomZoom layers, take factors in [-1, 1]: at most
// a full turn, a shift of the whole image, and a zoom of 1 ± 1 (here below 1,
// since a factor of 1-1 = 0 would divide by zero). A shift given in pixels is
// bounded by the largest input side a model may have. Larger values change
// nothing a bounded one would not (a shift past the edge repeats the edge),
// and huge ones overflow the transform into NaN coordinates.
const (
	MaxRotation   = 360     // degrees
	MaxShiftPixel = 1 << 16 // pixels; a shift below 1 is a fraction of the side
)

// Validate rejects negative, non-finite or out-of-range ranges, naming each
// by its Keras argument.
func (a *Augmentation) Validate() error {
	for _, r := range []struct {
		name   string
		v, max float64
		unit   string
	}{
		{"rotation_range", a.Rotation, MaxRotation, " degrees (a full turn)"},
		{"width_shift_range", a.WidthShift, MaxShiftPixel, " pixels"},
		{"height_shift_range", a.HeightShift, MaxShiftPixel, " pixels"},
	} {
		if !(r.v >= 0) || math.IsInf(r.v, 0) {
			return fmt.Errorf("augmentation %s must be a non-negative number, got %g", r.name, r.v)
		}
		if r.v > r.max {
			return fmt.Errorf("augmentation %s %g is more than %g%s", r.name, r.v, r.max, r.unit)
		}
	}
	if !(a.Zoom >= 0 && a.Zoom < 1) {
		return fmt.Errorf("augmentation zoom_range %g must be in [0, 1)", a.Zoom)
	}
	return nil
}

// Apply transforms n images of shape (h, w, c) in x in place, using scratch
// (at least h·w·c floats) as the source copy.
func (a *Augmentation) Apply(x []float32, n, h, w, c int, epoch, step uint64, scratch []float32) {
	r := rand.New(rand.NewPCG(a.Seed^0x61756720, epoch<<32|step))
	size := h * w * c
	uni := func(lim float64) float64 { return (r.Float64()*2 - 1) * lim }
	for i := 0; i < n; i++ {
		theta := uni(a.Rotation) * math.Pi / 180
		tx, ty := uni(a.HeightShift), uni(a.WidthShift)
		if a.HeightShift < 1 {
			tx *= float64(h)
		}
		if a.WidthShift < 1 {
			ty *= float64(w)
		}
		zx, zy := 1.0, 1.0
		if a.Zoom > 0 {
			zx, zy = 1+uni(a.Zoom), 1+uni(a.Zoom)
		}
		img := x[i*size : (i+1)*size]
		src := scratch[:size]
		copy(src, img)
		affine(src, img, h, w, c, theta, tx, ty, zx, zy)
	}
}

// affine writes dst(r, q) = src(M·(r, q) + t) with M = R(θ)·diag(zx, zy) and
// the shift (tx, ty) applied before the zoom, all about the image centre, as
// Keras's apply_affine_transform composes them (rows are axis 0).
func affine(src, dst []float32, h, w, c int, theta, tx, ty, zx, zy float64) {
	cos, sin := math.Cos(theta), math.Sin(theta)
	// transform = rotation · shift · zoom (homogeneous 3×3, row/col coordinates)
	m00, m01 := cos*zx, -sin*zy
	m10, m11 := sin*zx, cos*zy
	t0 := cos*tx - sin*ty
	t1 := sin*tx + cos*ty
	// centre: offset = o + M·(-o) + t
	o0, o1 := float64(h)/2-0.5, float64(w)/2-0.5
	b0 := o0 - (m00*o0 + m01*o1) + t0
	b1 := o1 - (m10*o0 + m11*o1) + t1
	clampF := func(v float64, hi int) float64 { return math.Min(math.Max(v, 0), float64(hi-1)) }
	for r := 0; r < h; r++ {
		for q := 0; q < w; q++ {
			sr := clampF(m00*float64(r)+m01*float64(q)+b0, h)
			sq := clampF(m10*float64(r)+m11*float64(q)+b1, w)
			r0, q0 := int(sr), int(sq)
			r1, q1 := min(r0+1, h-1), min(q0+1, w-1)
			fr, fq := sr-float64(r0), sq-float64(q0)
			for ch := 0; ch < c; ch++ {
				v00 := float64(src[(r0*w+q0)*c+ch])
				v01 := float64(src[(r0*w+q1)*c+ch])
				v10 := float64(src[(r1*w+q0)*c+ch])
				v11 := float64(src[(r1*w+q1)*c+ch])
				v := (v00*(1-fq)+v01*fq)*(1-fr) + (v10*(1-fq)+v11*fq)*fr
				dst[(r*w+q)*c+ch] = float32(v)
			}
		}
	}
}
