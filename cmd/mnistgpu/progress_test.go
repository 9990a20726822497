package main

import (
	"testing"
	"time"
)

// The per-step time of an epoch's line, in Keras's units.
func TestPerStepInKerasUnits(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s/step", 2 * time.Second: "2s/step", 1500 * time.Millisecond: "2s/step",
		37 * time.Millisecond: "37ms/step", time.Millisecond: "1ms/step",
		416 * time.Microsecond: "416us/step", 52 * time.Microsecond: "52us/step",
	} {
		if got := perStep(d); got != want {
			t.Errorf("perStep(%v) = %q, want %q", d, got, want)
		}
	}
}
