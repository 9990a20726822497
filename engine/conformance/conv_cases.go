package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// ConvShape is a convolution's sizes as engine.NewConvParams takes them.
type ConvShape struct {
	N, H, W, C, K, KH, KW, SH, SW int
	Pad                           engine.Padding
}

// Params are the shape's parameters; a shape of ConvShapes is valid.
func (c ConvShape) Params() engine.ConvParams {
	p, err := engine.NewConvParams(c.N, c.H, c.W, c.C, c.K, c.KH, c.KW, c.SH, c.SW, c.Pad)
	if err != nil {
		panic(err)
	}
	return p
}

func (c ConvShape) String() string {
	return fmt.Sprintf("n%d %dx%dx%d k%d %dx%d/%dx%d %s", c.N, c.H, c.W, c.C, c.K, c.KH, c.KW, c.SH, c.SW, c.Pad)
}

// ConvShapes are the convolutions every backend is checked on (backends'
// own tests of their convolution paths use them too): batch 1, odd sizes,
// strides, both paddings, TensorFlow's asymmetric "same" padding, 1×1
// kernels, and the report's two layers.
var ConvShapes = []ConvShape{
	{1, 5, 7, 3, 4, 3, 3, 1, 1, engine.Same},
	{2, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same},
	{2, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same},
	{3, 9, 8, 2, 5, 3, 2, 2, 1, engine.Valid},
	{2, 6, 6, 3, 2, 5, 5, 2, 2, engine.Same},  // padding 1 top, 2 bottom
	{1, 4, 4, 6, 3, 1, 1, 1, 1, engine.Valid}, // pointwise
	{2, 6, 5, 3, 4, 2, 2, 1, 1, engine.Same},  // padding 0 top, 1 bottom
	{1, 7, 7, 2, 3, 1, 1, 2, 2, engine.Valid}, // strided pointwise
}

// Convolutions: each pass of every shape of ConvShapes.
func convCases(r *rand.Rand) []kase {
	var ks []kase
	for _, c := range ConvShapes {
		p, shape := c.Params(), c.String()
		nx, nw, ny := convSizes(p)
		x, w, dy := randVec(r, nx, 0, 1), randVec(r, nw, -0.5, 0.5), randVec(r, ny, -1, 1)
		q := float64(c.KH * c.KW * c.C)
		ks = append(ks,
			kase{op: "Conv2DForward", shape: shape, atol: sumAtol * math.Sqrt(q), rtol: sumRtol,
				init: [][]float32{x, w, make([]float32, ny)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DForward(p, v[0], v[1], v[2]) }},
			kase{op: "Conv2DBackwardData", shape: shape, atol: sumAtol * math.Sqrt(q*float64(c.K)), rtol: sumRtol,
				init: [][]float32{dy, w, make([]float32, nx)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DBackwardData(p, v[0], v[1], v[2]) }},
			kase{op: "Conv2DBackwardFilter", shape: shape, atol: sumAtol * math.Sqrt(float64(ny/c.K)), rtol: sumRtol,
				init: [][]float32{x, dy, make([]float32, nw)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DBackwardFilter(p, v[0], v[1], v[2]) }},
		)
	}
	return ks
}
