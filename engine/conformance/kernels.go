package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mnistgpu/engine"
)

// Result is one checked case: the worst element's error against its
// tolerance atol + rtol·|ref|.
type Result struct {
	Op, Shape string
	MaxErr    float64 // |got - ref| at the worst element
	Tol       float64 // its tolerance
	Pass      bool
	Detail    string // why it failed
}

func (r Result) String() string {
	status := "ok"
	if !r.Pass {
		status = "FAIL " + r.Detail
	}
	return fmt.Sprintf("%-22s %-34s max err %.2e  tol %.2e  %s", r.Op, r.Shape, r.MaxErr, r.Tol, status)
}

// kase runs one kernel on a backend. Buffers start as copies of init; those
// listed in poison are filled with NaN first so unwritten elements show;
// those in check are compared with the reference backend's.
type kase struct {
	op, shape  string
	atol, rtol float64
	init       [][]float32
	poison     []int
	check      []int
	run        func(b engine.Backend, bufs []engine.Buffer)
}

func (k kase) exec(b engine.Backend) ([][]float32, error) {
	bufs := make([]engine.Buffer, len(k.init))
	for i, v := range k.init {
		buf, err := b.Alloc(max(len(v), 1))
		if err != nil {
			return nil, err
		}
		defer b.Free(buf)
		b.CopyIn(buf, v)
		bufs[i] = buf
	}
	for _, i := range k.poison {
		b.Fill(bufs[i], float32(math.NaN()))
	}
	k.run(b, bufs)
	if err := b.Synchronize(); err != nil {
		return nil, err
	}
	out := make([][]float32, len(k.check))
	for j, i := range k.check {
		out[j] = make([]float32, len(k.init[i]))
		b.CopyOut(out[j], bufs[i])
	}
	return out, nil
}

func (k kase) result(b engine.Backend) Result {
	r := Result{Op: k.op, Shape: k.shape, Pass: true}
	got, err := k.exec(b)
	if err != nil {
		r.Pass, r.Detail = false, err.Error()
		return r
	}
	want, _ := k.exec(RefBackend{})
	worst := -1.0
	for j := range want {
		for i := range want[j] {
			g, w := float64(got[j][i]), float64(want[j][i])
			if math.IsNaN(g) || math.IsNaN(w) {
				if math.IsNaN(g) != math.IsNaN(w) {
					r.Pass = false
					r.Detail = fmt.Sprintf("output %d element %d: got %v, reference %v (unwritten or overwritten)", j, i, g, w)
					return r
				}
				continue
			}
			tol := k.atol + k.rtol*math.Abs(w)
			e := math.Abs(g - w)
			if e/tol > worst {
				worst, r.MaxErr, r.Tol = e/tol, e, tol
			}
			if e > tol && r.Pass {
				r.Pass = false
				r.Detail = fmt.Sprintf("output %d element %d: got %v, reference %v", j, i, g, w)
			}
		}
	}
	return r
}

// Conformance runs every kernel case on b and on RefBackend and returns one
// Result per case. Output buffers are filled with NaN before each kernel,
// so an element the kernel leaves unwritten fails its case.
func Conformance(b engine.Backend) []Result {
	var out []Result
	for _, k := range cases() {
		out = append(out, k.result(b))
	}
	out = append(out, clockExact(b)...)
	return append(out, stateFlush(b)...)
}

// stateFlush checks the optimizers' rule for decaying state, bit for bit:
// a moment, velocity or mean square below the smallest normal float in
// magnitude is stored as zero, larger ones are kept. With a zero gradient and
// β (momentum, ρ) 1 each update keeps its state, so what comes back is the
// state flushed.
func stateFlush(b engine.Backend) []Result {
	const minNormal = 0x1p-126
	in := []float32{minNormal, -minNormal, 0x1p-127, -0x1p-127, 0x1p-149, -0x1p-149, 1e-39, 3e-38, 0, 0.25, -4}
	n := len(in)
	abs := make([]float32, n)
	for i, v := range in {
		abs[i] = float32(math.Abs(float64(v)))
	}
	zero := make([]float32, n)
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	var out []Result
	check := func(op string, run func(b engine.Backend, x []engine.Buffer), init [][]float32, state []int) {
		res := Result{Op: op, Shape: fmt.Sprintf("n=%d, state flush", n), Pass: true}
		defer func() { out = append(out, res) }()
		got, err := kase{init: init, check: state, run: run}.exec(b)
		if err != nil {
			res.Pass, res.Detail = false, err.Error()
			return
		}
		for k, j := range state {
			for i, v := range init[j] {
				want := v
				if v > -minNormal && v < minNormal {
					want = 0
				}
				if math.Float32bits(got[k][i]) != math.Float32bits(want) {
					res.Pass, res.Detail = false, fmt.Sprintf("state %d element %d: %g stored as %g, want %g", j, i, v, got[k][i], want)
					return
				}
			}
		}
	}
	check("AdamStep", func(b engine.Backend, x []engine.Buffer) { b.AdamStep(n, 0.001, 1, 1, 1e-7, x[0], x[1], x[2], x[3]) },
		[][]float32{ones, zero, in, abs}, []int{2, 3})
	check("SGDStep", func(b engine.Backend, x []engine.Buffer) { b.SGDStep(n, 0.01, 1, false, x[0], x[1], x[2]) },
		[][]float32{ones, zero, in}, []int{2})
	check("RMSpropStep", func(b engine.Backend, x []engine.Buffer) { b.RMSpropStep(n, 0.001, 1, 1e-7, x[0], x[1], x[2]) },
		[][]float32{ones, zero, abs}, []int{2})
	return out
}

// clockExact checks that the optimizers' step-clock kernels update as the
// eager kernels do with the rate and lrT the host passes (engine.AdamLRT),
// bit for bit, on b itself: a step replayed from a graph must be the eager
// step. The steps cover βᵗ's float32 underflow (β1 from t ≈ 1000, β2 from
// 100 000) and math.Pow's early exit for huge powers (from t = 2¹⁵).
func clockExact(b engine.Backend) []Result {
	const n, lr = 300, 0.001
	r := rand.New(rand.NewPCG(5, 6))
	w, g, m, v := randVec(r, n, -1, 1), randVec(r, n, -1, 1), randVec(r, n, -0.1, 0.1), randVec(r, n, 0, 0.01)
	var out []Result
	run := func(op, shape string, eager, clocked func(clock engine.Buffer, x []engine.Buffer), wantStep float32, init ...[]float32) {
		res := Result{Op: op, Shape: shape, Pass: true}
		got := make([][]float32, 2)
		for i, f := range []func(engine.Buffer, []engine.Buffer){eager, clocked} {
			bufs := make([]engine.Buffer, len(init))
			for j, v := range init {
				bufs[j], _ = b.Alloc(len(v))
				b.CopyIn(bufs[j], v)
			}
			clock, _ := b.Alloc(engine.ClockLen)
			b.Fill(clock, 0)
			b.Fill(clock.Slice(engine.ClockStep, 1), wantStep-1)
			b.Fill(clock.Slice(engine.ClockLR, 1), lr)
			f(clock, bufs)
			for j := range bufs {
				o := make([]float32, len(init[j]))
				b.CopyOut(o, bufs[j])
				got[i] = append(got[i], o...)
				b.Free(bufs[j])
			}
			c := make([]float32, engine.ClockLen)
			b.CopyOut(c, clock)
			b.Free(clock)
			if i == 1 && c[engine.ClockStep] != wantStep {
				res.Pass, res.Detail = false, fmt.Sprintf("the clock's step is %v after the step, want %v", c[engine.ClockStep], wantStep)
			}
		}
		for i := range got[0] {
			if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) && res.Pass {
				res.Pass, res.Detail = false, fmt.Sprintf("value %d: %v from the clock, %v eagerly (must be the same bits)", i, got[1][i], got[0][i])
			}
		}
		out = append(out, res)
	}
	for _, t := range []int64{1, 2, 3, 10, 100, 999, 1000, 1001, 32767, 32768, 40000, 99999, 100000, 1000003, engine.MaxClockSteps - 1} {
		run("AdamStepAt=AdamStep", fmt.Sprintf("n=%d t=%d", n, t),
			func(_ engine.Buffer, x []engine.Buffer) {
				b.AdamStep(n, engine.AdamLRT(lr, 0.9, 0.999, t), 0.9, 0.999, 1e-7, x[0], x[1], x[2], x[3])
			},
			func(clock engine.Buffer, x []engine.Buffer) {
				engine.AdamStepAt(b, n, 0.9, 0.999, 1e-7, clock, x[0], x[1], x[2], x[3])
			},
			float32(t), w, g, m, v)
	}
	run("SGDStepAt=SGDStep", fmt.Sprintf("n=%d momentum=0.9", n),
		func(_ engine.Buffer, x []engine.Buffer) { b.SGDStep(n, lr, 0.9, false, x[0], x[1], x[2]) },
		func(clock engine.Buffer, x []engine.Buffer) {
			engine.SGDStepAt(b, n, 0.9, false, clock, x[0], x[1], x[2])
		},
		8, w, g, m)
	return out
}

func randVec(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// quantised values in {-1, -0.5, 0, 0.5, 1}: many ties, exact zeros.
func quantised(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.IntN(5)-2) / 2
	}
	return v
}

func oneHot(r *rand.Rand, rows, cols int) []float32 {
	t := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		t[i*cols+r.IntN(cols)] = 1
	}
	return t
}

// Tolerances: GEMM-like sums of k float32 products, elementwise maths, exact.
const (
	sumAtol, sumRtol   = 2e-5, 1e-4
	elemAtol, elemRtol = 1e-6, 2e-6
)

func cases() []kase {
	r := rand.New(rand.NewPCG(2024, 11))
	var ks []kase
	// GEMM: odd sizes, the report's dense shapes, all transposes, alpha/beta,
	// and ldc > n so writes past n are caught.
	for _, s := range [][3]int{{1, 1, 1}, {7, 17, 5}, {64, 128, 3136}, {64, 10, 128}, {13, 33, 257}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {-0.5, 1.5}} {
				m, n, k := s[0], s[1], s[2]
				lda, ldb, ldc := k, n, n+3
				ar, br := m, k
				if tr[0] {
					lda, ar = m, k
				}
				if tr[1] {
					ldb, br = k, n
				}
				ta, tb, alpha, beta := tr[0], tr[1], ab[0], ab[1]
				kk := kase{op: "Gemm", shape: fmt.Sprintf("%dx%dx%d tA=%v tB=%v a=%g b=%g", m, n, k, ta, tb, alpha, beta),
					atol: sumAtol * math.Sqrt(float64(k)), rtol: sumRtol,
					init:  [][]float32{randVec(r, ar*lda, -1, 1), randVec(r, br*ldb, -1, 1), randVec(r, m*ldc, -1, 1)},
					check: []int{2},
					run: func(b engine.Backend, x []engine.Buffer) {
						b.Gemm(ta, tb, m, n, k, alpha, x[0], lda, x[1], ldb, beta, x[2], ldc)
					}}
				if beta == 0 {
					kk.poison = []int{2}
				}
				ks = append(ks, kk)
			}
		}
	}
	// Convolutions: batch 1, odd sizes, strides, both paddings, the report's layers.
	for _, c := range []struct {
		n, h, w, ch, k, kh, kw, sh, sw int
		pad                            engine.Padding
	}{
		{1, 5, 7, 3, 4, 3, 3, 1, 1, engine.Same},
		{2, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same},
		{2, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same},
		{3, 9, 8, 2, 5, 3, 2, 2, 1, engine.Valid},
		{2, 6, 6, 3, 2, 5, 5, 2, 2, engine.Same},
		{1, 4, 4, 6, 3, 1, 1, 1, 1, engine.Valid},
	} {
		p, err := engine.NewConvParams(c.n, c.h, c.w, c.ch, c.k, c.kh, c.kw, c.sh, c.sw, c.pad)
		if err != nil {
			panic(err)
		}
		shape := fmt.Sprintf("n%d %dx%dx%d k%d %dx%d/%dx%d %s", c.n, c.h, c.w, c.ch, c.k, c.kh, c.kw, c.sh, c.sw, c.pad)
		nx, nw, ny := convSizes(p)
		x, w, dy := randVec(r, nx, 0, 1), randVec(r, nw, -0.5, 0.5), randVec(r, ny, -1, 1)
		q := float64(c.kh * c.kw * c.ch)
		ks = append(ks,
			kase{op: "Conv2DForward", shape: shape, atol: sumAtol * math.Sqrt(q), rtol: sumRtol,
				init: [][]float32{x, w, make([]float32, ny)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DForward(p, v[0], v[1], v[2]) }},
			kase{op: "Conv2DBackwardData", shape: shape, atol: sumAtol * math.Sqrt(q*float64(c.k)), rtol: sumRtol,
				init: [][]float32{dy, w, make([]float32, nx)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DBackwardData(p, v[0], v[1], v[2]) }},
			kase{op: "Conv2DBackwardFilter", shape: shape, atol: sumAtol * math.Sqrt(float64(ny/c.k)), rtol: sumRtol,
				init: [][]float32{x, dy, make([]float32, nw)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Conv2DBackwardFilter(p, v[0], v[1], v[2]) }},
		)
	}
	// Max pooling, with ties on purpose (quantised inputs).
	for _, c := range []struct {
		n, h, w, ch, ph, pw, sh, sw int
		pad                         engine.Padding
		ties                        bool
	}{
		{2, 28, 28, 32, 2, 2, 2, 2, engine.Valid, false},
		{2, 14, 14, 64, 2, 2, 2, 2, engine.Valid, true},
		{1, 7, 5, 3, 2, 2, 2, 2, engine.Valid, true},
		{1, 7, 5, 3, 3, 3, 2, 2, engine.Same, true},
		{3, 6, 6, 2, 3, 3, 1, 1, engine.Same, false},
	} {
		p, err := engine.NewPoolParams(c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad)
		if err != nil {
			panic(err)
		}
		shape := fmt.Sprintf("n%d %dx%dx%d %dx%d/%dx%d %s ties=%v", c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad, c.ties)
		nx, ny := c.n*c.h*c.w*c.ch, p.N*p.OH*p.OW*p.C
		x := randVec(r, nx, -1, 1)
		if c.ties {
			x = quantised(r, nx)
		}
		dy := randVec(r, ny, -1, 1)
		y := make([]float32, ny)
		RefBackend{}.MaxPoolForward(p, &refBuf{x}, &refBuf{y})
		ks = append(ks,
			kase{op: "MaxPoolForward", shape: shape, init: [][]float32{x, make([]float32, ny)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.MaxPoolForward(p, v[0], v[1]) }},
			kase{op: "MaxPoolBackward", shape: shape, atol: elemAtol, rtol: elemRtol,
				init: [][]float32{x, y, dy, make([]float32, nx)}, poison: []int{3}, check: []int{3},
				run: func(b engine.Backend, v []engine.Buffer) { b.MaxPoolBackward(p, v[0], v[1], v[2], v[3]) }},
		)
	}
	// Bias.
	for _, s := range [][2]int{{1, 1}, {50176, 32}, {64, 128}, {7, 10}, {700, 33}} {
		rows, cols := s[0], s[1]
		shape := fmt.Sprintf("%dx%d", rows, cols)
		ks = append(ks,
			kase{op: "BiasAdd", shape: shape, atol: elemAtol, rtol: elemRtol,
				init: [][]float32{randVec(r, rows*cols, -1, 1), randVec(r, cols, -1, 1)}, check: []int{0},
				run: func(b engine.Backend, v []engine.Buffer) { b.BiasAdd(rows, cols, v[0], v[1]) }},
			kase{op: "BiasGrad", shape: shape, atol: sumAtol * math.Sqrt(float64(rows)), rtol: sumRtol,
				init: [][]float32{randVec(r, rows*cols, -1, 1), make([]float32, cols)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.BiasGrad(rows, cols, v[0], v[1]) }},
		)
	}
	// Activations: exact zeros for ReLU's kink, ±30/±100 for saturation.
	special := []float32{0, 0, -0, 1e-8, -1e-8, 30, -30, 100, -100, 88, -88}
	for _, f := range []engine.Activation{engine.Linear, engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
		for _, n := range []int{1, 11, 100003} {
			x := randVec(r, n, -4, 4)
			copy(x, special)
			alpha := float32(0.2)
			f := f
			y := make([]float32, n)
			RefBackend{}.ActivationForward(f, alpha, n, &refBuf{x}, &refBuf{y})
			dy := randVec(r, n, -1, 1)
			shape := fmt.Sprintf("n=%d", n)
			ks = append(ks,
				kase{op: "ActivationForward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{x, make([]float32, n)}, poison: []int{1}, check: []int{1},
					run: func(b engine.Backend, v []engine.Buffer) { b.ActivationForward(f, alpha, n, v[0], v[1]) }},
				kase{op: "ActivationBackward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{x, y, dy, make([]float32, n)}, poison: []int{3}, check: []int{3},
					run: func(b engine.Backend, v []engine.Buffer) { b.ActivationBackward(f, alpha, n, v[0], v[1], v[2], v[3]) }},
			)
		}
	}
	// Softmax, losses, accuracy, sums.
	for _, s := range [][2]int{{1, 10}, {64, 10}, {5, 3}} {
		rows, cols := s[0], s[1]
		shape := fmt.Sprintf("%dx%d", rows, cols)
		z := randVec(r, rows*cols, -5, 5)
		z[0] = 80 // large logits must not overflow
		t := oneHot(r, rows, cols)
		y := RefSoftmax(rows, cols, F64(z))
		p := F32(y)
		p[0], p[1] = 1e-9, 1 // at and beyond the BCE clip
		tied := quantised(r, rows*cols)
		ks = append(ks,
			kase{op: "SoftmaxForward", shape: shape, atol: elemAtol, rtol: 1e-5,
				init: [][]float32{z, make([]float32, rows*cols)}, poison: []int{1}, check: []int{1},
				run: func(b engine.Backend, v []engine.Buffer) { b.SoftmaxForward(rows, cols, v[0], v[1]) }},
			kase{op: "SoftmaxBackward", shape: shape, atol: elemAtol, rtol: 1e-5,
				init: [][]float32{F32(y), randVec(r, rows*cols, -1, 1), make([]float32, rows*cols)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.SoftmaxBackward(rows, cols, v[0], v[1], v[2]) }},
			kase{op: "SoftmaxCrossEntropy", shape: shape, atol: elemAtol, rtol: 1e-5,
				init:   [][]float32{z, t, make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows)},
				poison: []int{2, 3, 4}, check: []int{2, 3, 4},
				run: func(b engine.Backend, v []engine.Buffer) {
					b.SoftmaxCrossEntropy(rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3], v[4])
				}},
			kase{op: "BinaryCrossEntropy", shape: shape, atol: 1e-5, rtol: 1e-5,
				init:   [][]float32{p, t, make([]float32, rows*cols), make([]float32, rows)},
				poison: []int{2, 3}, check: []int{2, 3},
				run: func(b engine.Backend, v []engine.Buffer) {
					b.BinaryCrossEntropy(rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3])
				}},
			kase{op: "Accuracy", shape: shape + " ties",
				init: [][]float32{tied, t, make([]float32, rows)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Accuracy(rows, cols, v[0], v[1], v[2]) }},
		)
	}
	for _, n := range []int{1, 64, 1000} {
		n := n
		ks = append(ks, kase{op: "SumInto", shape: fmt.Sprintf("n=%d", n), atol: 1e-5 * math.Sqrt(float64(n)), rtol: 1e-6,
			init: [][]float32{randVec(r, n, 0, 3), {2.5}}, check: []int{1},
			run: func(b engine.Backend, v []engine.Buffer) { b.SumInto(n, v[0], v[1]) }})
	}
	// Row gathers copy exactly, in any order, with repeats.
	for _, c := range [][3]int{{1, 1, 3}, {64, 784, 300}, {37, 10, 5}} {
		rows, cols, srcRows := c[0], c[1], c[2]
		idx := make([]float32, rows)
		for i := range idx {
			idx[i] = float32(r.IntN(srcRows))
		}
		idx[rows-1] = float32(srcRows - 1)
		ks = append(ks, kase{op: "GatherRows", shape: fmt.Sprintf("%dx%d from %d rows", rows, cols, srcRows),
			init:   [][]float32{idx, randVec(r, srcRows*cols, -1, 1), make([]float32, rows*cols)},
			poison: []int{2}, check: []int{2},
			run: func(b engine.Backend, v []engine.Buffer) { b.GatherRows(rows, cols, v[0], v[1], v[2]) }})
	}
	// Dropout masks must match engine.Uniform exactly on every device.
	for _, n := range []int{1, 1000, 65537} {
		n := n
		ks = append(ks,
			kase{op: "DropoutForward", shape: fmt.Sprintf("n=%d rate=0.3", n),
				init:   [][]float32{randVec(r, n, -1, 1), make([]float32, n), make([]float32, n)},
				poison: []int{1, 2}, check: []int{1, 2},
				run: func(b engine.Backend, v []engine.Buffer) { b.DropoutForward(n, 0.3, 77, 1<<33, v[0], v[1], v[2]) }},
			kase{op: "Mul", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{randVec(r, n, -1, 1), randVec(r, n, -2, 2), make([]float32, n)}, poison: []int{2}, check: []int{2},
				run: func(b engine.Backend, v []engine.Buffer) { b.Mul(n, v[0], v[1], v[2]) }},
		)
	}
	// Optimizers: one step from random state.
	for _, n := range []int{1, 421642} {
		n := n
		w, g, m, v := randVec(r, n, -1, 1), randVec(r, n, -1, 1), randVec(r, n, -0.1, 0.1), randVec(r, n, 0, 0.01)
		for _, c := range []struct {
			mom      float32
			nesterov bool
		}{{0, false}, {0.9, false}, {0.9, true}} {
			c := c
			ks = append(ks, kase{op: "SGDStep", shape: fmt.Sprintf("n=%d momentum=%g nesterov=%v", n, c.mom, c.nesterov), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, m}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.SGDStep(n, 0.1, c.mom, c.nesterov, x[0], x[1], x[2]) }})
		}
		ks = append(ks,
			kase{op: "RMSpropStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, v}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.RMSpropStep(n, 0.001, 0.9, 1e-7, x[0], x[1], x[2]) }},
			kase{op: "AdagradStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w, g, v}, check: []int{0, 2},
				run: func(b engine.Backend, x []engine.Buffer) { b.AdagradStep(n, 0.01, 1e-7, x[0], x[1], x[2]) }},
			kase{op: "WeightDecay", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{w}, check: []int{0},
				run: func(b engine.Backend, x []engine.Buffer) { b.WeightDecay(n, 0.004*0.001, x[0]) }})
		ks = append(ks, kase{op: "AdamStep", shape: fmt.Sprintf("n=%d", n), atol: elemAtol, rtol: elemRtol,
			init: [][]float32{w, g, m, v}, check: []int{0, 2, 3},
			run: func(b engine.Backend, x []engine.Buffer) {
				b.AdamStep(n, 0.001, 0.9, 0.999, 1e-7, x[0], x[1], x[2], x[3])
			}})
	}
	// Fused kernels, against their definitions: bias with activation each
	// way over the report's shapes, odd ones, and more than one block of
	// rows and of columns; the loss with its metrics, more rows than a block
	// of threads, metrics accumulated onto earlier values.
	for _, s := range [][2]int{{1, 1}, {50176, 32}, {64, 128}, {7, 10}, {700, 33}} {
		rows, cols := s[0], s[1]
		for _, f := range []engine.Activation{engine.ReLU, engine.LeakyReLU, engine.Sigmoid, engine.Tanh} {
			f, alpha := f, float32(0.2)
			shape := fmt.Sprintf("%dx%d", rows, cols)
			z := randVec(r, rows*cols, -4, 4)
			copy(z, special)
			bias := randVec(r, cols, -1, 1)
			zb, y := make([]float32, rows*cols), make([]float32, rows*cols)
			copy(zb, z)
			engine.BiasActivationForward(RefBackend{}, f, alpha, rows, cols, &refBuf{zb}, &refBuf{bias}, &refBuf{y})
			ks = append(ks,
				kase{op: "BiasActivationForward/" + f.String(), shape: shape, atol: elemAtol, rtol: elemRtol,
					init: [][]float32{z, bias, make([]float32, rows*cols)}, poison: []int{2}, check: []int{0, 2},
					run: func(b engine.Backend, v []engine.Buffer) {
						engine.BiasActivationForward(b, f, alpha, rows, cols, v[0], v[1], v[2])
					}},
				kase{op: "ActivationBackwardBiasGrad/" + f.String(), shape: shape, atol: sumAtol * math.Sqrt(float64(rows)), rtol: sumRtol,
					init:   [][]float32{zb, y, randVec(r, rows*cols, -1, 1), make([]float32, rows*cols), make([]float32, cols)},
					poison: []int{3, 4}, check: []int{3, 4},
					run: func(b engine.Backend, v []engine.Buffer) {
						engine.ActivationBackwardBiasGrad(b, f, alpha, rows, cols, v[0], v[1], v[2], v[3], v[4])
					}},
			)
		}
	}
	// The pool's backward pass fused with the activation and bias gradients
	// below it: quantised z for ties in the pool (ReLU's zeros) and at the
	// kink, overlapping and padded windows.
	for _, c := range []struct {
		n, h, w, ch, ph, pw, sh, sw int
		pad                         engine.Padding
	}{
		{4, 28, 28, 32, 2, 2, 2, 2, engine.Valid},
		{2, 14, 14, 64, 2, 2, 2, 2, engine.Valid},
		{1, 7, 5, 3, 3, 3, 2, 2, engine.Same},
		{3, 6, 6, 40, 3, 3, 1, 1, engine.Same},
	} {
		p, err := engine.NewPoolParams(c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad)
		if err != nil {
			panic(err)
		}
		for _, f := range []engine.Activation{engine.ReLU, engine.LeakyReLU, engine.Tanh} {
			f, alpha := f, float32(0.2)
			nx, ny := c.n*c.h*c.w*c.ch, p.N*p.OH*p.OW*p.C
			z, x, y := quantised(r, nx), make([]float32, nx), make([]float32, ny)
			RefBackend{}.ActivationForward(f, alpha, nx, &refBuf{z}, &refBuf{x})
			RefBackend{}.MaxPoolForward(p, &refBuf{x}, &refBuf{y})
			ks = append(ks, kase{op: "MaxPoolActivationBackwardBiasGrad/" + f.String(),
				shape: fmt.Sprintf("n%d %dx%dx%d %dx%d/%dx%d %s", c.n, c.h, c.w, c.ch, c.ph, c.pw, c.sh, c.sw, c.pad),
				atol:  sumAtol * math.Sqrt(float64(nx/c.ch)), rtol: sumRtol,
				init:   [][]float32{z, x, y, randVec(r, ny, -1, 1), make([]float32, nx), make([]float32, c.ch)},
				poison: []int{4, 5}, check: []int{4, 5},
				run: func(b engine.Backend, v []engine.Buffer) {
					engine.MaxPoolActivationBackwardBiasGrad(b, p, f, alpha, v[0], v[1], v[2], v[3], v[4], v[5])
				}})
		}
	}
	// A batch's inputs and targets gathered with one index, repeats included.
	for _, c := range [][4]int{{1, 1, 1, 3}, {64, 784, 10, 300}, {37, 5, 12, 5}} {
		rows, xCols, tCols, srcRows := c[0], c[1], c[2], c[3]
		idx := make([]float32, rows)
		for i := range idx {
			idx[i] = float32(r.IntN(srcRows))
		}
		idx[rows-1] = float32(srcRows - 1)
		ks = append(ks, kase{op: "GatherBatch", shape: fmt.Sprintf("%dx(%d+%d) from %d rows", rows, xCols, tCols, srcRows),
			init: [][]float32{idx, randVec(r, srcRows*xCols, -1, 1), make([]float32, rows*xCols),
				randVec(r, srcRows*tCols, -1, 1), make([]float32, rows*tCols)},
			poison: []int{2, 4}, check: []int{2, 4},
			run: func(b engine.Backend, v []engine.Buffer) {
				engine.GatherBatch(b, rows, v[0], xCols, v[1], v[2], tCols, v[3], v[4])
			}})
	}
	for _, s := range [][2]int{{1, 10}, {64, 10}, {5, 3}, {300, 10}} {
		rows, cols := s[0], s[1]
		z := randVec(r, rows*cols, -5, 5)
		z[0] = 80
		ks = append(ks, kase{op: "SoftmaxCrossEntropyMetrics", shape: fmt.Sprintf("%dx%d", rows, cols),
			atol: 1e-5 * math.Sqrt(float64(rows)), rtol: 1e-5,
			init: [][]float32{z, oneHot(r, rows, cols), make([]float32, rows*cols), make([]float32, rows*cols),
				make([]float32, rows), make([]float32, rows), {2.5, 7}},
			poison: []int{2, 3, 4, 5}, check: []int{2, 3, 4, 5, 6},
			run: func(b engine.Backend, v []engine.Buffer) {
				engine.SoftmaxCrossEntropyMetrics(b, rows, cols, 1/float32(rows), v[0], v[1], v[2], v[3], v[4], v[5], v[6])
			}})
	}
	return append(ks, clockCases(r)...)
}

// clockCases are the step-clock kernels (engine.ClockStep): the batch's place
// in the pass and dropout's counters read from the clock, the optimizers'
// rate and step read from it and the step advanced, at small and large
// steps (Adam's βᵗ underflows float32 from t ≈ 1000 and 100 000).
//
// The clock (buffer 0) is set by fills, not copied in: a wrong copy from the
// host (which other cases catch) must not give these kernels an index far
// outside memory.
func clockCases(r *rand.Rand) []kase {
	clock := func() []float32 { return make([]float32, engine.ClockLen) }
	set := func(b engine.Backend, c engine.Buffer, step, lr, start float32) {
		b.Fill(c, 0)
		b.Fill(c.Slice(engine.ClockStep, 1), step)
		b.Fill(c.Slice(engine.ClockLR, 1), lr)
		b.Fill(c.Slice(engine.ClockPassStart, 1), start)
	}
	var ks []kase
	for _, c := range []struct{ rows, batch, step, start int }{{64, 64, 7, 5}, {44, 64, 9, 5}, {1, 1, 299, 0}} {
		const passLen, xCols, tCols, srcRows = 300, 13, 10, 40
		order := make([]float32, passLen)
		for i := range order {
			order[i] = float32(r.IntN(srcRows))
		}
		ks = append(ks, kase{op: "GatherBatchAt", shape: fmt.Sprintf("%d of batch %d, step %d of a pass from %d", c.rows, c.batch, c.step, c.start),
			init: [][]float32{clock(), order, randVec(r, srcRows*xCols, -1, 1), make([]float32, c.rows*xCols),
				randVec(r, srcRows*tCols, -1, 1), make([]float32, c.rows*tCols)},
			poison: []int{3, 5}, check: []int{0, 3, 5},
			run: func(b engine.Backend, v []engine.Buffer) {
				set(b, v[0], float32(c.step), 0.5, float32(c.start))
				engine.GatherBatchAt(b, c.rows, c.batch, v[0], v[1], xCols, v[2], v[3], tCols, v[4], v[5])
			}})
	}
	for _, n := range []int{1000, 65537} {
		ks = append(ks, kase{op: "DropoutForwardAt", shape: fmt.Sprintf("n=%d rate=0.3 step 3 of 2³¹", n),
			init:   [][]float32{clock(), randVec(r, n, -1, 1), make([]float32, n), make([]float32, n)},
			poison: []int{2, 3}, check: []int{0, 2, 3},
			run: func(b engine.Backend, v []engine.Buffer) {
				set(b, v[0], 3, 0.5, 1)
				engine.DropoutForwardAt(b, n, 0.3, 77, 1<<31, v[0], v[1], v[2], v[3])
			}})
	}
	for _, n := range []int{1, 421642} {
		w, g, m, v := randVec(r, n, -1, 1), randVec(r, n, -1, 1), randVec(r, n, -0.1, 0.1), randVec(r, n, 0, 0.01)
		for _, c := range []struct {
			mom      float32
			nesterov bool
		}{{0, false}, {0.9, true}} {
			ks = append(ks, kase{op: "SGDStepAt", shape: fmt.Sprintf("n=%d momentum=%g nesterov=%v", n, c.mom, c.nesterov), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{clock(), w, g, m}, check: []int{0, 1, 3},
				run: func(b engine.Backend, x []engine.Buffer) {
					set(b, x[0], 41, 0.1, 40)
					engine.SGDStepAt(b, n, c.mom, c.nesterov, x[0], x[1], x[2], x[3])
				}})
		}
		for _, step := range []float32{0, 9, 999, 99999, engine.MaxClockSteps - 2} {
			ks = append(ks, kase{op: "AdamStepAt", shape: fmt.Sprintf("n=%d t=%d", n, int(step)+1), atol: elemAtol, rtol: elemRtol,
				init: [][]float32{clock(), w, g, m, v}, check: []int{0, 1, 3, 4},
				run: func(b engine.Backend, x []engine.Buffer) {
					set(b, x[0], step, 0.001, 0)
					engine.AdamStepAt(b, n, 0.9, 0.999, 1e-7, x[0], x[1], x[2], x[3], x[4])
				}})
		}
	}
	return ks
}
