package main

import (
	"testing"
	"time"

	"mnistgpu/engine"
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

// Metrics as Keras's progress bar writes them: a small rate in scientific
// form rather than "lr: 0.0000".
func TestSmallNumbersAsKerasPrintsThem(t *testing.T) {
	got := formatLogs(engine.Logs{"loss": 0.25, "accuracy": 0.9, "lr": 1.25e-4})
	if want := "loss: 0.2500 - accuracy: 0.9000 - lr: 1.2500e-04"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	for v, want := range map[float64]string{0.0011: "0.0011", 0.001: "1.0000e-03", 0: "0.0000e+00", -0.5: "-0.5000"} {
		if got := kerasNumber(v); got != want {
			t.Errorf("kerasNumber(%g) = %q, want %q", v, got, want)
		}
	}
}
