package engine

// Stepper runs the training steps of a model on its batches the way Fit
// does: each step replayed from a captured graph where the backend can
// capture and the batches and optimizer allow it (see stepGraphs), eagerly
// otherwise. Fit and `mnistgpu bench` share it, so a benchmark times the
// step a training run takes.
type Stepper struct {
	m     *Model
	opt   Optimizer
	b     Batches
	batch int
	g     *stepGraphs // nil: every step runs eagerly
}

// NewStepper steps m with opt over b in batches of batch samples; eager
// forces eager steps. Free releases the captured graphs (not b).
func NewStepper(m *Model, opt Optimizer, b Batches, batch int, eager bool) (*Stepper, error) {
	g, err := newStepGraphs(m, opt, b, FitConfig{Eager: eager})
	if err != nil {
		return nil, err
	}
	return &Stepper{m: m, opt: opt, b: b, batch: batch, g: g}, nil
}

// SetPass starts a pass over the batches in the given order (see
// Batches.SetPass); steps within a pass take consecutive batches.
func (s *Stepper) SetPass(epoch int, order []int) { s.ResumePass(epoch, order, 0) }

// ResumePass is SetPass for a pass of which `done` steps were taken before
// (a run resumed in the middle of an epoch): the next Step is the pass's
// step done, at offset done·batch. A replayed step finds its batch from the
// pass's first step (see stepGraphs), which is Steps() − done.
func (s *Stepper) ResumePass(epoch int, order []int, done int) {
	s.b.SetPass(epoch, order)
	if s.g != nil {
		s.g.setPass(s.m.Steps() - uint64(done))
	}
}

// Step runs the optimizer step of samples [off, off+n) of the pass, where
// off is the pass's step number times the batch size.
func (s *Stepper) Step(off, n int) error {
	if s.g != nil {
		if replayed, err := s.g.step(s.m, s.opt, s.b, off, s.batch, n); replayed || err != nil {
			return err
		}
	}
	s.m.TrainStep(s.opt, s.b, off, n)
	if s.g != nil {
		s.g.ranEagerly(n)
	}
	return nil
}

// Replaying reports whether steps are replayed from graphs (after the
// first step of each batch size).
func (s *Stepper) Replaying() bool { return s.g != nil }

// Free releases the graphs.
func (s *Stepper) Free() {
	if s.g != nil {
		s.g.free()
	}
}
