package engine

import (
	"math"
	"testing"
)

type fakeOpt struct{ lr float64 }

func (o *fakeOpt) Name() string                      { return "fake" }
func (o *fakeOpt) Step(Backend, Buffer, Buffer, int) {}
func (o *fakeOpt) LearningRate() float64             { return o.lr }
func (o *fakeOpt) SetLearningRate(v float64)         { o.lr = v }
func (o *fakeOpt) Iterations() int64                 { return 0 }

func TestSchedules(t *testing.T) {
	for _, c := range []struct {
		spec string
		want []float64 // epochs 0..4
	}{
		{"step:2:0.5", []float64{0.1, 0.1, 0.05, 0.05, 0.025}},
		{"exp:0.5", []float64{0.1, 0.05, 0.025, 0.0125, 0.00625}},
		{"values:0.3,0.2", []float64{0.3, 0.2, 0.2, 0.2, 0.2}},
		// warm-up 2: 0.05, 0.1; then Keras's CosineDecay over the 3
		// epochs left: 0.1·(1+cos(π·d/3))/2 for d = 0, 1, 2.
		{"cosine:2", []float64{0.05, 0.1, 0.1, 0.075, 0.025}},
		{"cosine:0:0.01", []float64{0.1, 0.01 + 0.09*(1+math.Cos(math.Pi/5))/2, 0.01 + 0.09*(1+math.Cos(2*math.Pi/5))/2,
			0.01 + 0.09*(1+math.Cos(3*math.Pi/5))/2, 0.01 + 0.09*(1+math.Cos(4*math.Pi/5))/2}},
	} {
		s, err := ParseSchedule(c.spec, 0.1, 5)
		if err != nil {
			t.Fatal(err)
		}
		for e, w := range c.want {
			if got := s.LR(e); math.Abs(got-w) > 1e-12 {
				t.Errorf("%s epoch %d: %g, want %g", c.spec, e, got, w)
			}
		}
	}
	for _, bad := range []string{"step:0", "step:2:0", "exp:0", "exp:x", "values:", "values:0.1,-1", "linear",
		// Dropped in silence: a field too many, a fraction of an epoch.
		"step:1:0.5:9", "exp:0.9:3", "cosine:1:0:3", "values:0.1:0.2", "step:1.5:0.5", "cosine:2.7", "step:1e300",
		// 0 and infinite in float32.
		"values:0.1,1e-50", "values:1e39",
		// A growing rate that leaves float32 within the run's 5 epochs.
		"step:1:1e308", "step:4:1e40", "exp:1e308", "exp:1e10",
		// A rate that falls to 0 (in float64) within them: the run stopped there.
		"exp:1e-320", "step:1:1e-200"} {
		if _, err := ParseSchedule(bad, 0.1, 5); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Beyond float32 at its first epoch past it, said; within the run's
	// epochs only (a rate that grows, but not that far, is the user's).
	if _, err := ParseSchedule("step:2:1e20", 0.1, 5); err == nil || err.Error() != `schedule "step:2:1e20": FACTOR 1e+20 takes the learning rate to 1e+39 at epoch 5, beyond float32 (which training computes in), where training diverges` {
		t.Errorf("step:2:1e20 over 5 epochs: %v", err)
	}
	if _, err := ParseSchedule("exp:0.5", 0.001, 2000); err == nil || err.Error() != `schedule "exp:0.5": RATE 0.5 takes the learning rate to 0 at epoch 1067, where training would stop` {
		t.Errorf("exp:0.5 over 2000 epochs: %v", err)
	}
	for _, ok := range []string{"step:5:1e308", "exp:1.5", "exp:1e9", "exp:1e-70", "step:4:1e-300"} {
		if _, err := ParseSchedule(ok, 0.1, 5); err != nil {
			t.Errorf("%q over 5 epochs: %v", ok, err)
		}
	}
	if _, err := ParseSchedule("exp:1.5", 0.1, min(4611686018427387904, math.MaxInt)); err == nil {
		t.Error("exp:1.5 over 2⁶² epochs accepted")
	}
	o := &fakeOpt{lr: 1}
	st := &TrainState{Optimizer: o}
	// Without a minimum, every epoch of the run has a positive rate (the
	// README's cosine:2 over 20 epochs ran its last epoch at 0 and failed);
	// the rate reaches 0 one epoch after the end, as Keras's does at
	// decay_steps.
	for _, epochs := range []int{1, 2, 3, 20} {
		s, _ := ParseSchedule("cosine:2", 0.01, epochs)
		for e := 0; e < epochs; e++ {
			if err := (&LearningRateScheduler{Schedule: s}).EpochBegin(st, e); err != nil {
				t.Errorf("%d epochs: %v", epochs, err)
			}
		}
		if epochs > 2 && s.LR(epochs) != 0 {
			t.Errorf("%d epochs: rate %g after the end, want 0", epochs, s.LR(epochs))
		}
	}
	lrs := &LearningRateScheduler{Schedule: StepDecay{Initial: 0.1, Factor: 0.1, Every: 1}}
	lrs.EpochBegin(st, 2)
	if math.Abs(o.lr-0.001) > 1e-15 {
		t.Errorf("scheduler set lr %g, want 0.001", o.lr)
	}
}

// TestReduceLROnPlateauScripted: val_loss improves twice then stalls; with
// patience 2 the rate drops ×0.1 after the second flat epoch. As in Keras,
// the cooldown counter is decremented before the check, so a cooldown of 1
// only resets the wait once: the next drop comes two epochs later. The rate
// stops at min_lr.
func TestReduceLROnPlateauScripted(t *testing.T) {
	o := &fakeOpt{lr: 0.1}
	st := &TrainState{Optimizer: o}
	c := &ReduceLROnPlateau{Factor: 0.1, Patience: 2, MinDelta: 1e-4, Cooldown: 1, MinLR: 1e-4}
	if err := c.TrainBegin(st); err != nil {
		t.Fatal(err)
	}
	want := []float64{0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 1e-4, 1e-4, 1e-4, 1e-4}
	for e, v := range []float64{1, 0.5, 0.5, 0.50001, 0.6, 0.5, 0.5, 0.6, 0.5, 0.5, 0.5} {
		logs := Logs{"val_loss": v}
		c.EpochEnd(st, e, logs)
		if math.Abs(o.lr-want[e]) > 1e-12 {
			t.Fatalf("epoch %d: lr %g, want %g", e, o.lr, want[e])
		}
		if logs["lr"] == 0 {
			t.Fatal("lr not logged")
		}
	}
}
