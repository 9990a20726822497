package engine

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// validate checks a loaded checkpoint as a new run's settings are checked,
// so that a bad value is refused when the file is read, naming the field,
// rather than an epoch later: counts are non-negative integers, rates
// finite, callback values numbers (a best value may be ±Inf, as it starts),
// every tensor finite, and the running metrics present exactly when the
// state lies within an epoch. A run that diverges stops before its state is
// saved, so a finite run never has a non-finite value here.
func (c *TrainCheckpoint) validate() error {
	// count checks an integer of at least least (an epoch number is -1
	// before the first).
	count := func(name string, v, least float64) error {
		if v < least || v != math.Trunc(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s is %v, not a count", name, v)
		}
		return nil
	}
	switch {
	case c.NextEpoch < 0:
		return fmt.Errorf("next_epoch is %d", c.NextEpoch)
	case c.EpochStep < 0:
		return fmt.Errorf("epoch_step is %d", c.EpochStep)
	case c.EpochStep > 0 && len(c.Metrics) != 2:
		return fmt.Errorf("epoch_step %d without the epoch's running loss and accuracy (tensor %q)", c.EpochStep, metricsTensor)
	case c.EpochStep == 0 && len(c.Metrics) != 0:
		return fmt.Errorf("tensor %q in a state taken at an epoch boundary", metricsTensor)
	case !(c.EpochSeconds >= 0 && c.EpochSeconds < 1e9):
		return fmt.Errorf("epoch_seconds is %v, not a time in training", c.EpochSeconds)
	case c.Optimizer.Iterations < 0:
		return fmt.Errorf("optimizer iterations is %d", c.Optimizer.Iterations)
	case !(c.Optimizer.LR >= 0) || math.IsInf(c.Optimizer.LR, 0):
		return fmt.Errorf("optimizer lr is %v, not a learning rate", c.Optimizer.LR)
	}
	if len(c.Metrics) == 2 {
		if l := float64(c.Metrics[0]); !(l >= 0) || math.IsInf(l, 0) {
			return fmt.Errorf("the epoch's running loss sum is %v", l)
		}
		if err := count("the epoch's running count of correct answers", float64(c.Metrics[1]), 0); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(c.Callbacks)) {
		for _, name := range slices.Sorted(maps.Keys(c.Callbacks[key])) {
			v, field := c.Callbacks[key][name], "callback state "+key+"."+name
			if math.IsNaN(v) {
				return fmt.Errorf("%s is NaN", field)
			}
			if name == "best" {
				continue // ±Inf until a first epoch improves on it
			}
			if err := count(field, v, -1); err != nil {
				return err
			}
		}
	}
	tensors := map[string][]float32{"weights": c.Weights}
	for n, v := range c.Optimizer.Slots {
		tensors["optimizer."+n] = v
	}
	for key, m := range c.CallbackTensors {
		for n, v := range m {
			tensors[callbackTensorPrefix+key+"."+n] = v
		}
	}
	for _, n := range slices.Sorted(maps.Keys(tensors)) {
		for i, v := range tensors[n] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("tensor %s holds %v at index %d", n, v, i)
			}
		}
	}
	return nil
}
