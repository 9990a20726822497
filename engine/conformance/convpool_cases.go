package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// ConvPoolArgmax is ConvPoolFuser's definition of a pooled value's argmax,
// on the host: given the pool's input fz = f(z) and z (p.N·p.H·p.W rows of
// p.C), py is MaxPoolForward of fz, arg the window-local index (r·p.PW + s)
// of each window's first maximum in row-major order (-1 when the window
// lies wholly in padding) and pz the z there (0 where arg is -1).
func ConvPoolArgmax(p engine.PoolParams, fz, z []float32) (py, arg, pz []float32) {
	m := p.N * p.OH * p.OW * p.C
	py, arg, pz = make([]float32, m), make([]float32, m), make([]float32, m)
	i := 0
	for n := 0; n < p.N; n++ {
		for oy := 0; oy < p.OH; oy++ {
			for ox := 0; ox < p.OW; ox++ {
				for c := 0; c < p.C; c++ {
					best, at := -1, -1
					for r := 0; r < p.PH; r++ {
						iy := oy*p.SH + r - p.PadTop
						for s := 0; s < p.PW; s++ {
							ix := ox*p.SW + s - p.PadLeft
							if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
								continue
							}
							j := ((n*p.H+iy)*p.W+ix)*p.C + c
							if at < 0 || fz[j] > fz[at] {
								best, at = r*p.PW+s, j
							}
						}
					}
					arg[i] = float32(best)
					if at >= 0 {
						py[i], pz[i] = fz[at], z[at]
					}
					i++
				}
			}
		}
	}
	return py, arg, pz
}

// convPoolCase is one Conv2D + max pool the fused pair is checked on.
type convPoolCase struct {
	conv ConvShape
	pool struct {
		ph, pw, sh, sw int
		pad            engine.Padding
	}
}

// convPoolCases: batch 1, 7 and 64; 1, 3 and 33 channels; odd sizes with
// "same" pooling, overlapping stride-1 windows, a strided valid conv, and
// the report's first layer.
func convPoolCases() []convPoolCase {
	var cs []convPoolCase
	add := func(conv ConvShape, ph, pw, sh, sw int, pad engine.Padding) {
		c := convPoolCase{conv: conv}
		c.pool.ph, c.pool.pw, c.pool.sh, c.pool.sw, c.pool.pad = ph, pw, sh, sw, pad
		cs = append(cs, c)
	}
	add(ConvShape{1, 7, 5, 1, 1, 3, 3, 1, 1, engine.Same}, 2, 2, 2, 2, engine.Same)
	add(ConvShape{7, 9, 9, 2, 3, 3, 3, 1, 1, engine.Same}, 3, 3, 1, 1, engine.Same)
	add(ConvShape{7, 11, 13, 1, 3, 5, 5, 2, 2, engine.Valid}, 2, 2, 2, 2, engine.Valid)
	add(ConvShape{64, 6, 6, 2, 33, 3, 3, 1, 1, engine.Same}, 2, 2, 2, 2, engine.Valid)
	add(ConvShape{7, 5, 7, 3, 33, 3, 3, 1, 1, engine.Same}, 2, 2, 2, 2, engine.Same)
	add(ConvShape{64, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same}, 2, 2, 2, 2, engine.Valid)
	return cs
}

// ConvPoolExact checks b's ConvPoolFuser, if it has one, against the
// unfused composition of b's own kernels (Conv2DForward,
// BiasActivationForward, MaxPoolForward, MaxPoolActivationBackwardBiasGrad)
// bit for bit, a NaN matching any NaN: py, arg and pz of the fused forward
// pass, and dz and db of the fused backward pass from the argmax of the
// unfused forward pass. Inputs are multiples of ½ (exact sums in any order,
// many ties), with ±∞ biases; NaN and ∞ inputs for the activations whose
// gradient at an unselected NaN is still +0 (ConvPoolFuser). A backend that
// declines a shape must leave py, arg and pz as they were.
func ConvPoolExact(b engine.Backend) []Result {
	k, ok := b.(engine.ConvPoolFuser)
	if !ok {
		return nil
	}
	r := rand.New(rand.NewPCG(27, 1))
	var out []Result
	for _, c := range convPoolCases() {
		cp := c.conv.Params()
		pp, err := engine.NewPoolParams(cp.N, cp.OH, cp.OW, cp.K, c.pool.ph, c.pool.pw, c.pool.sh, c.pool.sw, c.pool.pad)
		if err != nil {
			panic(err)
		}
		shape := fmt.Sprintf("%v pool %dx%d/%dx%d %s", c.conv, pp.PH, pp.PW, pp.SH, pp.SW, c.pool.pad)
		nx, nw, nz := convSizes(cp)
		x, w, bias := quantised(r, nx), quantised(r, nw), quantised(r, cp.K)
		bias[0] = float32(math.Inf(1))
		if cp.K > 1 {
			bias[1] = float32(math.Inf(-1))
		}
		dy := randVec(r, pp.N*pp.OH*pp.OW*pp.C, -1, 1)
		for _, f := range []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
			xf := x
			if f != engine.Sigmoid && f != engine.Tanh {
				xf = append([]float32(nil), x...)
				xf[nx/2] = float32(math.NaN())
				xf[nx-1] = float32(math.Inf(1))
			}
			cs := convPoolRun{k: k, b: b, cp: cp, pp: pp, f: f, alpha: 0.2, nz: nz}
			res := Result{Op: "ConvPool/" + f.String(), Shape: shape, Pass: true}
			res.Detail = cs.check(xf, w, bias, dy)
			res.Pass = res.Detail == ""
			out = append(out, res)
		}
	}
	return out
}

// convPoolRun is one shape and activation of ConvPoolExact.
type convPoolRun struct {
	k     engine.ConvPoolFuser
	b     engine.Backend
	cp    engine.ConvParams
	pp    engine.PoolParams
	f     engine.Activation
	alpha float32
	nz    int
}

// check runs both ways and says how they differ ("" when they do not).
func (c convPoolRun) check(x, w, bias, dy []float32) string {
	b, cp, pp, f, alpha := c.b, c.cp, c.pp, c.f, c.alpha
	np := pp.N * pp.OH * pp.OW * pp.C
	d := &deviceBufs{b: b}
	defer d.free()
	buf, host, nan := d.put, d.get, nans
	xb, wb, bb, dyb := buf(x), buf(w), buf(bias), buf(dy)

	// Unfused: z, f(z), the pool, its backward pass with the activation's.
	z, fz, py := buf(make([]float32, c.nz)), buf(nan(c.nz)), buf(nan(np))
	b.Conv2DForward(cp, xb, wb, z)
	engine.BiasActivationForward(b, f, alpha, cp.N*cp.OH*cp.OW, cp.K, z, bb, fz)
	b.MaxPoolForward(pp, fz, py)
	dz, db := buf(nan(c.nz)), buf(nan(cp.K))
	engine.MaxPoolActivationBackwardBiasGrad(b, pp, f, alpha, z, fz, py, dyb, dz, db)
	hz, hfz := host(z, c.nz), host(fz, c.nz)
	wantPy, wantArg, wantPz := ConvPoolArgmax(pp, hfz, hz)
	if d := sameBits("unfused py (MaxPoolForward) against the host's", host(py, np), wantPy); d != "" {
		return d
	}

	// Fused forward.
	fpy, farg, fpz := buf(nan(np)), buf(nan(np)), buf(nan(np))
	if !c.k.ConvBiasActivationPoolForward(cp, pp, f, alpha, xb, wb, bb, fpy, farg, fpz) {
		for i, d := range []engine.Buffer{fpy, farg, fpz} {
			for j, v := range host(d, np) {
				if v == v {
					return fmt.Sprintf("declined, but wrote output %d element %d", i, j)
				}
			}
		}
	} else {
		for _, o := range []struct {
			name      string
			got, want []float32
		}{{"py", host(fpy, np), wantPy}, {"arg", host(farg, np), wantArg}, {"pz", host(fpz, np), wantPz}} {
			if d := sameBits("fused "+o.name, o.got, o.want); d != "" {
				return d
			}
		}
	}

	// Fused backward from the unfused pass's argmax.
	fdz, fdb := buf(nan(c.nz)), buf(nan(cp.K))
	c.k.MaxPoolArgmaxActivationBackwardBiasGrad(pp, f, alpha, buf(wantArg), buf(wantPz), py, dyb, fdz, fdb)
	if d := sameBits("dz", host(fdz, c.nz), host(dz, c.nz)); d != "" {
		return d
	}
	return sameBits("db", host(fdb, cp.K), host(db, cp.K))
}

// sameBits says where got and want first differ in their bits, a NaN
// matching any NaN ("" when nowhere).
func sameBits(what string, got, want []float32) string {
	for i := range want {
		g, w := got[i], want[i]
		if g != g && w != w {
			continue
		}
		if math.Float32bits(g) != math.Float32bits(w) {
			return fmt.Sprintf("%s element %d: %v (%#08x), want %v (%#08x)", what, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
	return ""
}

// deviceBufs are the buffers of one exact comparison on a backend.
type deviceBufs struct {
	b   engine.Backend
	all []engine.Buffer
}

// put allocates a buffer holding v.
func (d *deviceBufs) put(v []float32) engine.Buffer {
	buf, err := d.b.Alloc(max(len(v), 1))
	if err != nil {
		panic(err)
	}
	d.all = append(d.all, buf)
	d.b.CopyIn(buf, v)
	return buf
}

// get copies the first n values of buf to the host.
func (d *deviceBufs) get(buf engine.Buffer, n int) []float32 {
	v := make([]float32, n)
	d.b.CopyOut(v, buf.Slice(0, n))
	return v
}

func (d *deviceBufs) free() {
	for _, buf := range d.all {
		d.b.Free(buf)
	}
}

// nans are n NaNs: an output's initial values, so that one left unwritten shows.
func nans(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}
