package engine

import (
	"errors"
	"fmt"
)

// stepGraphs replays one captured training step per batch size during a
// Fit on a backend that can capture (GraphCapturer), when the batches are
// resident (ResidentSet) and the optimizer reads a step clock (SGD, Adam).
// The per-step values live in the clock (see ClockStep): the optimizer's
// kernel advances the step on the device, and the host, which keeps the
// counts itself (Steps, Iterations, the pass's first step, the rate),
// writes a clock value only where it differs from what the device holds:
// after eager steps, at a new pass and when the rate changes, each a Fill
// (no wait). The first step of each batch size runs eagerly: it makes the
// convolution plans, scratch buffers and optimizer slots that a capture
// must not allocate. The next step of that size is captured and replayed,
// as is every later one. A replayed step is the eager step bit for bit
// (the ...At kernels compute what the host passes eagerly).
type stepGraphs struct {
	be     Backend
	gc     GraphCapturer
	clock  Buffer
	held   [ClockLen]float32 // the clock's values, as far as the host knows
	known  bool              // held is what the device has
	graphs map[int]Graph     // by batch size
	warm   map[int]bool      // batch sizes run eagerly at least once
	// passStart is Steps at the first step of the current pass.
	passStart uint64
}

// newStepGraphs returns nil when steps must run eagerly: the backend
// cannot capture, cfg asks for eager steps, the batches are gathered on the
// host or the optimizer takes per-step values as arguments.
func newStepGraphs(m *Model, opt Optimizer, train Batches, cfg FitConfig) (*stepGraphs, error) {
	gc, ok := m.be.(GraphCapturer)
	if !ok || cfg.Eager {
		return nil, nil
	}
	if _, ok := m.be.(StepClockKernels); !ok {
		// The clock kernels' composition reads the clock on the host.
		return nil, nil
	}
	if _, ok := clocked(opt); !ok {
		return nil, nil
	}
	if _, ok := train.(*ResidentSet); !ok {
		return nil, nil
	}
	clock, err := m.be.Alloc(ClockLen)
	if err != nil {
		return nil, fmt.Errorf("step clock: %w", err)
	}
	m.be.Fill(clock, 0)
	return &stepGraphs{be: m.be, gc: gc, clock: clock, graphs: map[int]Graph{}, warm: map[int]bool{}}, nil
}

func (g *stepGraphs) free() {
	for _, gr := range g.graphs {
		gr.Free()
	}
	g.be.Free(g.clock)
}

// setPass starts a pass at step `step`.
func (g *stepGraphs) setPass(step uint64) { g.passStart = step }

// step runs the training step of samples [off, off+n) of the pass (batches
// of batch samples) as a graph and reports true, or reports false when it
// must run eagerly: the first step of its size, a step count the clock
// cannot hold, an optimizer whose Iterations differ from the model's Steps
// (Adam's t is read from ClockStep).
func (g *stepGraphs) step(m *Model, opt Optimizer, train Batches, off, batch, n int) (bool, error) {
	o, _ := clocked(opt)
	r := train.(*ResidentSet)
	steps := m.Steps()
	switch {
	case !g.warm[n] || !o.ready(), steps+1 >= MaxClockSteps, int64(steps) != o.Iterations(),
		steps < g.passStart || uint64(off) != (steps-g.passStart)*uint64(batch), off+n > r.Len():
		return false, nil
	}
	g.set(ClockStep, float32(steps))
	g.set(ClockLR, float32(o.LearningRate()))
	g.set(ClockPassStart, float32(g.passStart))
	g.known = true
	gr, err := g.graph(m, o, r, batch, n)
	if err != nil {
		return false, err
	}
	if err := gr.Launch(); errors.Is(err, ErrStaleGraph) {
		gr.Free()
		delete(g.graphs, n)
		if gr, err = g.graph(m, o, r, batch, n); err != nil {
			return false, err
		}
		err = gr.Launch()
	}
	if err != nil {
		return false, fmt.Errorf("replaying a training step: %w", err)
	}
	g.held[ClockStep]++
	m.ctx.step++
	o.countStep()
	return true, nil
}

// ranEagerly records an eager step of n samples.
func (g *stepGraphs) ranEagerly(n int) { g.warm[n] = true }

// graph returns the captured step of n samples, capturing it first.
func (g *stepGraphs) graph(m *Model, o clockedOptimizer, r *ResidentSet, batch, n int) (Graph, error) {
	if gr := g.graphs[n]; gr != nil {
		return gr, nil
	}
	gr, err := g.gc.Capture(func() { m.clockedStep(o, r, g.clock, batch, n) })
	if err != nil {
		return nil, fmt.Errorf("capturing a training step of %d samples: %w", n, err)
	}
	g.graphs[n] = gr
	return gr, nil
}

// set writes clock value i when the device may hold another.
func (g *stepGraphs) set(i int, v float32) {
	if g.known && g.held[i] == v {
		return
	}
	g.be.Fill(g.clock.Slice(i, 1), v)
	g.held[i] = v
}
