//go:build cuda

package gpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
	"mnistgpu/engine/enginetest"
)

// convTestParams: the conformance suite's convolutions (the report's two
// layers among them, TensorFlow's asymmetric "same" padding, strided 1×1).
func convTestParams(t *testing.T) []engine.ConvParams {
	t.Helper()
	var out []engine.ConvParams
	for _, c := range conformance.ConvShapes {
		out = append(out, c.Params())
	}
	return out
}

// convPassCase is one pass's inputs, its float64 reference and tolerance
// (as the conformance suite's: atol grows with the square root of the
// terms summed, rtol 1e-4).
type convPassCase struct {
	in1, in2 []float32
	ref      []float64
	atol     float64
}

func newConvPassCase(p engine.ConvParams, pass convPass, seed uint64) convPassCase {
	r := rand.New(rand.NewPCG(seed, uint64(pass)))
	vec := func(n int, lo, hi float64) ([]float32, []float64) {
		v32, v64 := make([]float32, n), make([]float64, n)
		for i := range v32 {
			v32[i] = float32(lo + (hi-lo)*r.Float64())
			v64[i] = float64(v32[i])
		}
		return v32, v64
	}
	nx, nw, ny := p.N*p.H*p.W*p.C, p.K*p.R*p.S*p.C, p.N*p.OH*p.OW*p.K
	x32, x64 := vec(nx, 0, 1)
	w32, w64 := vec(nw, -0.5, 0.5)
	dy32, dy64 := vec(ny, -1, 1)
	q := float64(p.R * p.S * p.C)
	switch pass {
	case fprop:
		return convPassCase{x32, w32, conformance.RefConv2D(p, x64, w64), 2e-5 * math.Sqrt(q)}
	case dgrad:
		return convPassCase{dy32, w32, conformance.RefConv2DBackwardData(p, dy64, w64), 2e-5 * math.Sqrt(q*float64(p.K))}
	}
	return convPassCase{x32, dy32, conformance.RefConv2DBackwardFilter(p, x64, dy64), 2e-5 * math.Sqrt(float64(ny/p.K))}
}

// run runs the pass on b into a NaN-poisoned output and returns it.
func (c convPassCase) run(t *testing.T, b *Backend, p engine.ConvParams, pass convPass) []float32 {
	t.Helper()
	bufs := make([]engine.Buffer, 3)
	for i, n := range []int{len(c.in1), len(c.in2), len(c.ref)} {
		buf, err := b.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free(buf)
		bufs[i] = buf
	}
	b.CopyIn(bufs[0], c.in1)
	b.CopyIn(bufs[1], c.in2)
	b.Fill(bufs[2], float32(math.NaN()))
	convRun(b, p, pass, bufs[0], bufs[1], bufs[2])
	out := make([]float32, len(c.ref))
	b.CopyOut(out, bufs[2])
	return out
}

// convRun runs a pass: forward (x, w → y), backward data (dy, w → dx) or
// backward filter (x, dy → dw).
func convRun(b *Backend, p engine.ConvParams, pass convPass, in1, in2, out engine.Buffer) {
	switch pass {
	case fprop:
		b.Conv2DForward(p, in1, in2, out)
	case dgrad:
		b.Conv2DBackwardData(p, in1, in2, out)
	case wgrad:
		b.Conv2DBackwardFilter(p, in1, in2, out)
	}
}

// check runs the pass twice: both runs within tolerance of the float64
// reference, and bit-identical.
func (c convPassCase) check(t *testing.T, b *Backend, p engine.ConvParams, pass convPass, what string) {
	t.Helper()
	c.checkRuns(t, what, func() []float32 { return c.run(t, b, p, pass) })
}

// checkRuns calls run twice: both results within tolerance of the float64
// reference, and bit-identical.
func (c convPassCase) checkRuns(t *testing.T, what string, run func() []float32) {
	t.Helper()
	first := run()
	for i, g := range first {
		if e := math.Abs(float64(g) - c.ref[i]); !(e <= c.atol+1e-4*math.Abs(c.ref[i])) {
			t.Errorf("%s: element %d = %v, reference %v", what, i, g, c.ref[i])
			return
		}
	}
	second := run()
	for i := range first {
		if math.Float32bits(first[i]) != math.Float32bits(second[i]) {
			t.Errorf("%s: rerun differs at element %d: %v then %v", what, i, first[i], second[i])
			return
		}
	}
}

func (b *Backend) choiceOf(p engine.ConvParams, pass convPass) *convChoice {
	pl, ok := b.plans[convKey{p, b.opt.TF32}]
	if !ok {
		return nil
	}
	return pl.choice[pass]
}

// Every candidate of every pass (each deterministic cuDNN algorithm the
// library lists, on the stand-in or a GPU, and the own implicit-GEMM path),
// forced in turn, agrees with the float64 reference and reruns bit for bit.
func TestConvCandidates(t *testing.T) {
	device(t)
	params := convTestParams(t)
	probe, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// offered[name] lists the (shape, pass) pairs where name qualifies.
	type use struct {
		p    engine.ConvParams
		pass convPass
	}
	offered := map[string][]use{}
	func() {
		defer probe.enter()()
		for _, p := range params {
			pl := probe.plan(p)
			for pass := range convPasses {
				for _, c := range probe.convCandidates(pl, pass) {
					if probe.qualifies(c) {
						offered[c.name] = append(offered[c.name], use{p, pass})
					}
				}
			}
		}
	}()
	if len(offered[ownName]) != len(params)*int(convPasses) {
		t.Fatalf("the own path is not a candidate: %v", offered)
	}
	names := make([]string, 0, len(offered))
	for name := range offered {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, err := New()
			if err != nil {
				t.Fatal(err)
			}
			b.conv.force = name
			for _, u := range offered[name] {
				what := name + " " + u.pass.String() + " " + convShape(u.p)
				newConvPassCase(u.p, u.pass, 1).check(t, b, u.p, u.pass, what)
				if ch := b.choiceOf(u.p, u.pass); ch == nil || ch.chosen.name != name || ch.how != "forced" {
					t.Errorf("%s: ran %+v", what, ch)
				}
			}
			t.Logf("%s: %d shape/pass pairs", name, len(offered[name]))
		})
	}
}

// Measuring: every qualifying candidate is timed and the first in the list
// within convTieFactor of the fastest is kept (on the stand-in the times
// mean nothing, but the timing runs and the choice follow the same path as
// on a GPU).
func TestConvTimedChoice(t *testing.T) {
	device(t)
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.conv.measure = measureConv
	p, err := engine.NewConvParams(2, 6, 5, 3, 4, 2, 2, 1, 1, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	for pass := range convPasses {
		newConvPassCase(p, pass, 2).check(t, b, p, pass, pass.String())
		ch := b.choiceOf(p, pass)
		if ch == nil || ch.how != "timed" {
			t.Fatalf("%s: %+v", pass, ch)
		}
		timed, fastest, first := 0, math.Inf(1), ""
		for _, c := range ch.candidates {
			if !b.qualifies(c) {
				continue
			}
			timed++
			if c.failed != "" || c.micros <= 0 {
				t.Errorf("%s: candidate %s: %v µs, failed %q", pass, c.name, c.micros, c.failed)
			}
			fastest = min(fastest, c.micros)
		}
		for _, c := range ch.candidates {
			if b.qualifies(c) && c.micros <= convTieFactor*fastest {
				first = c.name
				break
			}
		}
		if ch.chosen.name != first {
			t.Errorf("%s: chose %s, want %s, the first within %v× of the fastest (%.1f µs)", pass, ch.chosen.name, first,
				convTieFactor, fastest)
		}
		if timed < 2 {
			t.Errorf("%s: %d candidates timed, want cuDNN's and the own path", pass, timed)
		}
	}
	t.Logf("\n%s", b.ConvReport())
	if d := b.Describe(); !strings.Contains(d, "convolution algorithms (timed)") {
		t.Errorf("Describe() = %q", d)
	}
}

// cnnTrainStep runs one training step of the report's CNN at batch 64 on b
// (cnnOnDevice), which chooses its convolution algorithms.
func cnnTrainStep(t *testing.T, b *Backend) {
	t.Helper()
	cnnOnDevice(t, b)
	if err := b.Synchronize(); err != nil {
		t.Fatal(err)
	}
}

// cnnConvPasses are the convolution passes of a training step of the
// report's CNN that run the algorithm chosen for them: the backward ones
// (the first layer computes no input gradient). Both forward passes run in
// one kernel with their bias, activation and pool (convBiasActPoolForward).
func cnnConvPasses(t *testing.T, batch int) []struct {
	p    engine.ConvParams
	pass convPass
} {
	t.Helper()
	conv1, err1 := engine.NewConvParams(batch, 28, 28, 1, 32, 3, 3, 1, 1, engine.Same)
	conv2, err2 := engine.NewConvParams(batch, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return []struct {
		p    engine.ConvParams
		pass convPass
	}{{conv1, wgrad}, {conv2, dgrad}, {conv2, wgrad}}
}

// cnnConvKernels is the kernels those passes run per step with the
// algorithms b chose: 3 where each runs in one launch (the own path, the
// fixed rule's choice, or cuDNN without a padding copy).
func cnnConvKernels(t *testing.T, b *Backend, batch int) int64 {
	t.Helper()
	n := 0
	for _, u := range cnnConvPasses(t, batch) {
		l := b.convLaunches(u.p, u.pass)
		if l == 0 {
			t.Fatalf("convolution %s of %s has not run", u.pass, convShape(u.p))
		}
		n += l
	}
	return int64(n)
}

// cnnConvExtra is what the algorithms b chose for those passes add to
// cnnKernels and cnnLibraryCalls, which count each as one own kernel: the
// launches beyond one, and a library call where cuDNN runs the pass.
func cnnConvExtra(t *testing.T, b *Backend, batch int) engine.Counts {
	t.Helper()
	var extra engine.Counts
	for _, u := range cnnConvPasses(t, batch) {
		ch := b.choiceOf(u.p, u.pass)
		if ch == nil {
			t.Fatalf("convolution %s of %s has not run", u.pass, convShape(u.p))
		}
		extra.Kernels += int64(ch.chosen.launches - 1)
		if !ch.chosen.own() {
			extra.LibraryCalls++
		}
	}
	return extra
}

// The algorithms the report's CNN runs at batch 64, in parity mode and with
// TF32: by the fixed rule, the own path in every pass (its scratch fits), the
// same in every process. Then, on a GPU, for the record (the GPU bundle's
// run.sh prints this test's log), every candidate timed on this device.
func TestConvAlgorithmsOfTheCNN(t *testing.T) {
	device(t)
	for _, opt := range []Options{{}, {TF32: true}} {
		b, err := NewWithOptions(opt)
		if err != nil {
			t.Fatal(err)
		}
		cnnTrainStep(t, b)
		for _, u := range cnnConvPasses(t, 64) {
			ch := b.choiceOf(u.p, u.pass)
			if ch == nil {
				t.Fatalf("TF32 %v: no algorithm chosen for %s of %s", opt.TF32, u.pass, convShape(u.p))
			}
			if ch.how != "fixed rule" || !ch.chosen.own() {
				t.Errorf("TF32 %v: %s of %s runs %s (%s), want the own path by the fixed rule",
					opt.TF32, u.pass, convShape(u.p), ch.chosen.name, ch.how)
			}
		}
		t.Logf("TF32 %v, CNN batch 64, fixed rule: %d kernels for the 3 backward convolution passes per step:\n%s", opt.TF32,
			cnnConvKernels(t, b, 64), b.ConvReport())
		if b.simulated {
			continue // the stand-in's times are no figure of anything; TestConvTimedChoice runs the timing path
		}
		timed, err := NewWithOptions(opt)
		if err != nil {
			t.Fatal(err)
		}
		timed.conv.measure = measureConv
		cnnTrainStep(t, timed)
		for _, u := range cnnConvPasses(t, 64) {
			if ch := timed.choiceOf(u.p, u.pass); !opt.TF32 && (ch.nondeterministic || !ch.chosen.deterministic || ch.chosen.tensorOps) {
				t.Errorf("parity mode, timed: %s of %s runs %+v", u.pass, convShape(u.p), ch.chosen)
			}
		}
		t.Logf("TF32 %v, CNN batch 64, every candidate timed (diagnostic; %d kernels with the fastest):\n%s", opt.TF32,
			cnnConvKernels(t, timed, 64), timed.ConvReport())
	}
}

// The own path through a whole model: the CNN and the dropout/sigmoid model
// agree with the CPU backend (logits, loss, gradients, weights after
// optimizer steps).
func TestOwnPathParityWithCPU(t *testing.T) {
	device(t)
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.conv.force = ownName
	enginetest.Parity(t, cpu.New(), b)
	if d := b.Describe(); !strings.Contains(d, ownName) {
		t.Errorf("Describe() = %q, no own path", d)
	}
}

// The own path captured in a graph and replayed gives the eager results bit
// for bit: one kernel per pass on the backend's stream, the backward
// filter's chunk sums and counters fixed before the capture.
func TestOwnPathGraphReplay(t *testing.T) {
	device(t)
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.conv.force = ownName
	p, err := engine.NewConvParams(2, 14, 14, 32, 64, 3, 3, 1, 1, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	checkGraphReplay(t, b, p)
}

// checkGraphReplay runs the three passes of p on b eagerly, then captured
// and replayed: one kernel per pass in the graph, the same bits.
func checkGraphReplay(t *testing.T, b *Backend, p engine.ConvParams) {
	t.Helper()
	var cases [convPasses]convPassCase
	var bufs [convPasses][3]engine.Buffer
	for pass := range convPasses {
		cases[pass] = newConvPassCase(p, pass, 3)
		for i, v := range [][]float32{cases[pass].in1, cases[pass].in2, make([]float32, len(cases[pass].ref))} {
			buf, err := b.Alloc(len(v))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Free(buf)
			b.CopyIn(buf, v)
			bufs[pass][i] = buf
		}
	}
	all := func() {
		b.Conv2DForward(p, bufs[fprop][0], bufs[fprop][1], bufs[fprop][2])
		b.Conv2DBackwardData(p, bufs[dgrad][0], bufs[dgrad][1], bufs[dgrad][2])
		b.Conv2DBackwardFilter(p, bufs[wgrad][0], bufs[wgrad][1], bufs[wgrad][2])
	}
	outputs := func() (out [convPasses][]float32) {
		for pass := range convPasses {
			out[pass] = make([]float32, len(cases[pass].ref))
			b.CopyOut(out[pass], bufs[pass][2])
			b.Fill(bufs[pass][2], float32(math.NaN()))
		}
		return out
	}
	all()
	eager := outputs()
	g, err := b.Capture(all)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free()
	// any(): Capture returns *Graph or the engine.Graph interface holding one.
	if want, work := (engine.Counts{Kernels: 3}), any(g).(*Graph).work; work != want {
		t.Errorf("captured passes: %+v, want %+v (one kernel per pass)", work, want)
	}
	g.Launch() // not stale: nothing reallocated since the capture
	replayed := outputs()
	for pass := range convPasses {
		for i := range eager[pass] {
			if math.Float32bits(eager[pass][i]) != math.Float32bits(replayed[pass][i]) {
				t.Fatalf("%s element %d: replayed %v, eager %v", pass, i, replayed[pass][i], eager[pass][i])
			}
		}
	}
}

// A convolution pass first seen during a capture cannot be timed: the
// capture fails with an error that says what to do, and the backend keeps
// working.
func TestConvFirstRunInCaptureFails(t *testing.T) {
	device(t)
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.NewConvParams(1, 5, 5, 2, 3, 3, 3, 1, 1, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	c := newConvPassCase(p, fprop, 4)
	x, _ := b.Alloc(len(c.in1))
	w, _ := b.Alloc(len(c.in2))
	y, _ := b.Alloc(len(c.ref))
	defer b.Free(x)
	defer b.Free(w)
	defer b.Free(y)
	b.CopyIn(x, c.in1)
	b.CopyIn(w, c.in2)
	if _, err := b.Capture(func() { b.Conv2DForward(p, x, w, y) }); err == nil ||
		!strings.Contains(err.Error(), "run the step once eagerly before capturing") {
		t.Fatalf("capture of a first convolution: %v", err)
	}
	c.check(t, b, p, fprop, "after the failed capture")
}

// A pass timed by one backend is not timed again by another of the process
// on the same device: it runs the same algorithm (cells of a study trained
// at once choose as a cell trained alone).
func TestConvTimedChoiceIsShared(t *testing.T) {
	device(t)
	p, err := engine.NewConvParams(1, 6, 6, 2, 3, 3, 3, 2, 2, engine.Same)
	if err != nil {
		t.Fatal(err)
	}
	var choices []*convChoice
	for range 2 {
		b, err := New()
		if err != nil {
			t.Fatal(err)
		}
		b.conv.measure = measureConv
		newConvPassCase(p, wgrad, 5).check(t, b, p, wgrad, "wgrad")
		choices = append(choices, b.choiceOf(p, wgrad))
	}
	a, c := choices[0], choices[1]
	if a.chosen.name != c.chosen.name || !slices.Equal(a.candidates, c.candidates) {
		t.Errorf("second backend: %+v, first %+v", c, a)
	}
}
