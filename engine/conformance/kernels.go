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
	out = append(out, ConvPoolExact(b)...)
	out = append(out, BiasLossExact(b)...)
	out = append(out, MetricsRecord(b)...)
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

// cases lists every kernel's cases, family by family (each family's file),
// drawing their data from one generator in this order.
func cases() []kase {
	r := rand.New(rand.NewPCG(2024, 11))
	var ks []kase
	for _, family := range []func(*rand.Rand) []kase{
		gemmCases,
		convCases,
		poolCases,
		biasCases,
		activationCases,
		lossCases,
		gatherCases,
		dropoutCases,
		optimizerCases,
		fusedCases,
		poolFusedCases,
		batchGatherCases,
	} {
		ks = append(ks, family(r)...)
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
