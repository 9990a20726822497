//go:build cuda

package gpu

import (
	"math"
	"strings"
	"testing"

	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
)

// cnnOnDevice is the report's CNN at batch 64 with resident batches, after
// one eager training step (which makes the cuDNN plans, the optimizer's
// state and the scratch buffers).
func cnnOnDevice(t testing.TB, b *Backend) (*engine.Model, engine.Batches, engine.Optimizer) {
	t.Helper()
	m, err := engine.Presets["cnn"].Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(b, engine.CategoricalCrossEntropy, 64); err != nil {
		t.Fatal(err)
	}
	m.Init(3)
	batches, err := engine.OpenBatches(b, conformance.SyntheticDigits(128, 7), nil, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(batches.Free)
	batches.SetPass(0, nil)
	opt := engine.NewSGD(0.05, 0.9, true)
	m.TrainStep(opt, batches, 64, 64)
	return m, batches, opt
}

// A training step captured as a graph and replayed gives the weights of the
// same steps run eagerly, bit for bit, with one graph launch per step and no
// host sync. (SGD with a constant rate and a fixed batch: every step has the
// same arguments, which is what a graph replays.)
func TestGraphReplayIsEager(t *testing.T) {
	b := device(t)
	const steps = 4
	eager, eb, eopt := cnnOnDevice(t, b)
	for s := 0; s < steps; s++ {
		eager.TrainStep(eopt, eb, 64, 64)
	}
	replayed, rb, ropt := cnnOnDevice(t, b)
	g, err := b.Capture(func() { replayed.TrainStep(ropt, rb, 64, 64) })
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free()
	before := b.Counts()
	for s := 0; s < steps; s++ {
		g.Launch()
	}
	per := b.Counts().Sub(before)
	if err := b.Synchronize(); err != nil {
		t.Fatal(err)
	}
	extra := cnnConvExtra(t, b, 64)
	want := engine.Counts{Kernels: (cnnKernels + extra.Kernels) * steps, LibraryCalls: (cnnLibraryCalls + extra.LibraryCalls) * steps,
		Copies: 2 * steps, GraphLaunches: steps}
	if per != want {
		t.Errorf("%d replays: %+v, want %+v", steps, per, want)
	}
	ew, rw := eager.HostWeights(), replayed.HostWeights()
	for i := range ew {
		if math.Float32bits(ew[i]) != math.Float32bits(rw[i]) {
			t.Fatalf("weight %d: replayed %v, eager %v", i, rw[i], ew[i])
		}
	}
}

// A host sync inside a capture fails it (as on a GPU, where it would be
// CUDA_ERROR_STREAM_CAPTURE_IMPLICIT), and the backend keeps working.
func TestCaptureRefusesHostSync(t *testing.T) {
	b := device(t)
	buf, err := b.Alloc(4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(buf)
	b.Fill(buf, 2)
	out := make([]float32, 4)
	if _, err := b.Capture(func() {
		b.Fill(buf, 3)
		b.CopyOut(out, buf)
	}); err == nil || !strings.Contains(err.Error(), "cuMemcpyDtoH") && !strings.Contains(err.Error(), "cuStreamSynchronize") {
		// The copy to the host is refused (the stand-in) or accepted and
		// the wait for it refused (an H200 with CUDA 13): either way the
		// capture fails, naming the call.
		t.Errorf("capture with a copy to the host: error %v", err)
	}
	b.CopyOut(out, buf)
	if out[0] != 2 {
		t.Errorf("after a failed capture the buffer holds %v, want 2 (the captured fill must not run)", out)
	}
	b.Fill(buf, 5)
	b.CopyOut(out, buf)
	if out[3] != 5 {
		t.Errorf("after a failed capture: %v, want 5", out)
	}
}

// BenchmarkStep times the report's CNN training step (batch 64, Adam at
// lr 0.01, resident batches taken in turn as in an epoch) as the trainer
// runs it, in ms/step: eager (every kernel launched by the host) and graph
// (one captured step replayed per batch, Adam's step and rate read from the
// step clock). On a GPU the difference is what launching and the host
// cost. Skipped on the stand-in, whose time is no figure of anything.
//
//	./gpu.test -test.run '^$' -test.bench Step -test.benchtime 500x
func BenchmarkStep(b *testing.B) {
	be := device(b)
	if be.Traits().Simulated {
		b.Skip("the CPU stand-in has no speed to measure")
	}
	for _, mode := range []struct {
		name  string
		eager bool
	}{{"eager", true}, {"graph", false}} {
		b.Run(mode.name, func(b *testing.B) { benchmarkAdamStep(b, be, mode.eager) })
	}
}

// benchmarkAdamStep runs b.N steps of the report's CNN with Adam(0.01) over
// passes of stepsPerPass resident batches of 64, after one pass to warm up
// (plans, optimizer state, the captured graph).
func benchmarkAdamStep(b *testing.B, be *Backend, eager bool) {
	const batch, stepsPerPass = 64, 16
	m, err := engine.Presets["cnn"].Build()
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(be, engine.CategoricalCrossEntropy, batch); err != nil {
		b.Fatal(err)
	}
	defer m.Free()
	m.Init(3)
	batches, err := engine.OpenBatches(be, conformance.SyntheticDigits(batch*stepsPerPass, 7), nil, batch)
	if err != nil {
		b.Fatal(err)
	}
	defer batches.Free()
	steps, err := engine.NewStepper(m, engine.NewAdam(0.01), batches, batch, eager)
	if err != nil {
		b.Fatal(err)
	}
	defer steps.Free()
	step := func(i int) {
		if i%stepsPerPass == 0 {
			steps.SetPass(i/stepsPerPass, nil)
		}
		if err := steps.Step(i%stepsPerPass*batch, batch); err != nil {
			b.Fatal(err)
		}
	}
	for i := range stepsPerPass {
		step(i)
	}
	if err := be.Synchronize(); err != nil {
		b.Fatal(err)
	}
	before := be.Counts()
	b.ResetTimer()
	for i := range b.N {
		step(stepsPerPass + i)
	}
	if err := be.Synchronize(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if launches := be.Counts().Sub(before).GraphLaunches; !eager && launches != int64(b.N) {
		b.Fatalf("%d graph launches for %d steps: the steps were not replayed", launches, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/step")
}

// A capture is thread-local: while one backend captures, another backend of
// the process (study --jobs trains cells side by side) copies and waits on
// its own thread as usual, and the capture still succeeds.
func TestCaptureLeavesOtherThreadsAlone(t *testing.T) {
	b := device(t)
	other, err := New()
	if err != nil {
		t.Fatal(err)
	}
	buf, _ := b.Alloc(8)
	obuf, _ := other.Alloc(8)
	defer b.Free(buf)
	defer other.Free(obuf)
	got := make([]float32, 8)
	g, err := b.Capture(func() {
		b.Fill(buf, 4)
		done := make(chan error)
		go func() { // another goroutine: another OS thread, the capturing one is locked
			other.Fill(obuf, 9)
			other.CopyOut(got, obuf)
			done <- other.Synchronize()
		}()
		if err := <-done; err != nil {
			t.Errorf("the other backend during a capture: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free()
	if got[7] != 9 {
		t.Errorf("the other backend read %v, want 9s", got)
	}
	g.Launch()
	b.CopyOut(got, buf)
	if got[0] != 4 {
		t.Errorf("after the replay: %v, want 4s", got)
	}
}
