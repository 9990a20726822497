package run

import (
	"errors"
	"fmt"

	"mnistgpu/engine"
)

// StoppedError is a run stopped on request (Options.Stop) at a step
// boundary, its state saved: `train --resume Dir` continues it from that
// step, and it then ends bit for bit as if never stopped.
type StoppedError struct {
	Dir         string
	Epoch, Step int // 1-based epoch, steps taken in it
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("stopped at epoch %d, step %d: continue with mnistgpu train --resume %s", e.Epoch, e.Step, shellWord(e.Dir))
}

// asStopped turns the engine's stop into a *StoppedError naming dir, and
// leaves any other error as it is.
func asStopped(err error, dir string) error {
	var s *engine.StoppedError
	if !errors.As(err, &s) {
		return err
	}
	return &StoppedError{Dir: dir, Epoch: s.Epoch, Step: s.Step}
}

// checkSaveEvery refuses a negative --save-every-steps before anything runs.
func checkSaveEvery(cfg Config) error {
	if n := cfg.Output.SaveEverySteps; n < 0 {
		return &ValueError{Flag: "save-every-steps", Msg: fmt.Sprintf("must not be negative, got %d", n)}
	}
	return nil
}
