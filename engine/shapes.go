package engine

import "fmt"

// Padding is Keras's padding mode.
type Padding int

const (
	Valid Padding = iota // no padding: out = ⌊(in-k)/s⌋+1
	Same                 // TensorFlow "same": out = ⌈in/s⌉, extra pad at bottom/right
)

// ParsePadding maps "valid"/"same" to a Padding.
func ParsePadding(s string) (Padding, error) {
	switch s {
	case "", "valid":
		return Valid, nil
	case "same":
		return Same, nil
	}
	return 0, fmt.Errorf("unknown padding %q (want valid or same)", s)
}

func (p Padding) String() string {
	if p == Same {
		return "same"
	}
	return "valid"
}

// outAndPad returns TensorFlow's output size and leading pad for one axis.
func outAndPad(in, k, s int, pad Padding) (out, lead int) {
	if pad == Valid {
		if in < k {
			return 0, 0 // no window fits ((in-k)/s truncates toward 0: 1 for k < in+s)
		}
		return (in-k)/s + 1, 0
	}
	out = (in + s - 1) / s
	total := (out-1)*s + k - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

// ConvParams describes a 2-D convolution of an NHWC input with a KRSC filter.
type ConvParams struct {
	N, H, W, C      int // input
	K, R, S         int // filters, kernel height, kernel width
	SH, SW          int // strides
	PadTop, PadLeft int
	OH, OW          int // output height, width
}

// NewConvParams computes output size and padding the way TensorFlow does.
func NewConvParams(n, h, w, c, k, r, s, sh, sw int, pad Padding) (ConvParams, error) {
	if n < 1 || h < 1 || w < 1 || c < 1 || k < 1 || r < 1 || s < 1 || sh < 1 || sw < 1 {
		return ConvParams{}, fmt.Errorf("conv2d: non-positive size in n=%d h=%d w=%d c=%d k=%d kernel=%dx%d stride=%dx%d", n, h, w, c, k, r, s, sh, sw)
	}
	p := ConvParams{N: n, H: h, W: w, C: c, K: k, R: r, S: s, SH: sh, SW: sw}
	p.OH, p.PadTop = outAndPad(h, r, sh, pad)
	p.OW, p.PadLeft = outAndPad(w, s, sw, pad)
	if p.OH < 1 || p.OW < 1 {
		return ConvParams{}, fmt.Errorf("conv2d: kernel %dx%d larger than input %dx%d with padding %s", r, s, h, w, pad)
	}
	return p, nil
}

// WithBatch returns p for a batch of n images.
func (p ConvParams) WithBatch(n int) ConvParams { p.N = n; return p }

// ForEachTap calls f for every (image, output pixel, kernel tap) whose input
// pixel (ih, iw) lies inside the image: the terms of the convolution sum.
func (p ConvParams) ForEachTap(f func(n, oh, ow, r, s, ih, iw int)) {
	for n := 0; n < p.N; n++ {
		for oh := 0; oh < p.OH; oh++ {
			for ow := 0; ow < p.OW; ow++ {
				for r := 0; r < p.R; r++ {
					ih := oh*p.SH + r - p.PadTop
					if ih < 0 || ih >= p.H {
						continue
					}
					for s := 0; s < p.S; s++ {
						iw := ow*p.SW + s - p.PadLeft
						if iw >= 0 && iw < p.W {
							f(n, oh, ow, r, s, ih, iw)
						}
					}
				}
			}
		}
	}
}

// FLOPs is the multiply-add count ×2 of the forward pass.
func (p ConvParams) FLOPs() float64 {
	return 2 * float64(p.N) * float64(p.OH*p.OW) * float64(p.K) * float64(p.R*p.S*p.C)
}

// PoolParams describes a 2-D max pooling of an NHWC tensor.
type PoolParams struct {
	N, H, W, C      int
	PH, PW          int // window
	SH, SW          int // strides
	PadTop, PadLeft int
	OH, OW          int
}

// NewPoolParams computes output size and padding the way TensorFlow does.
func NewPoolParams(n, h, w, c, ph, pw, sh, sw int, pad Padding) (PoolParams, error) {
	if n < 1 || h < 1 || w < 1 || c < 1 || ph < 1 || pw < 1 || sh < 1 || sw < 1 {
		return PoolParams{}, fmt.Errorf("maxpool2d: non-positive size in n=%d h=%d w=%d c=%d pool=%dx%d stride=%dx%d", n, h, w, c, ph, pw, sh, sw)
	}
	p := PoolParams{N: n, H: h, W: w, C: c, PH: ph, PW: pw, SH: sh, SW: sw}
	p.OH, p.PadTop = outAndPad(h, ph, sh, pad)
	p.OW, p.PadLeft = outAndPad(w, pw, sw, pad)
	if p.OH < 1 || p.OW < 1 {
		return PoolParams{}, fmt.Errorf("maxpool2d: window %dx%d larger than input %dx%d with padding %s", ph, pw, h, w, pad)
	}
	return p, nil
}

// WithBatch returns p for a batch of n images.
func (p PoolParams) WithBatch(n int) PoolParams { p.N = n; return p }

// Shape is the shape of one sample (no batch axis): (H, W, C) or (D).
type Shape []int

// Size is the number of elements of one sample. It does not check for
// overflow: shapes that come from a user pass CheckedSize first (ModelSpec.Build).
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// MaxElements bounds the values one tensor may hold: a parameter, one
// sample's activation, or a whole batch's. The CUDA kernels and cuBLAS take
// element counts and dimensions as 32-bit ints, and 2³¹-1 floats are 8 GiB.
const MaxElements = 1<<31 - 1

// CheckedSize is Size for shapes that may be hostile: ok is false when a
// dimension is negative or the product exceeds MaxElements (so it never
// wraps around).
func (s Shape) CheckedSize() (n int, ok bool) {
	n = 1
	for _, d := range s {
		if d < 0 {
			return 0, false
		}
		if n, ok = MulSize(n, d); !ok {
			return 0, false
		}
	}
	return n, true
}

// MulSize is a·b for non-negative sizes, with ok false when the product
// exceeds MaxElements.
func MulSize(a, b int) (int, bool) {
	if a < 0 || b < 0 || a > MaxElements || b > MaxElements {
		return 0, false
	}
	p := int64(a) * int64(b) // both below 2³¹: no overflow
	return int(p), p <= MaxElements
}

func (s Shape) String() string {
	out := "(None"
	for _, d := range s {
		out += fmt.Sprintf(", %d", d)
	}
	return out + ")"
}
