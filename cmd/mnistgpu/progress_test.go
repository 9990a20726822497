package main

import (
	"bytes"
	"regexp"
	"strconv"
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

// A bar resumed within its epoch (its first step this session is the
// last, 100 of 100, a second after the epoch began here): its speed is of
// the one step this session ran, not of all 100 (6,400 img/s), and it
// shows no time left, which its estimate took from the steps before as if
// made in no time.
func TestResumedEpochsSpeed(t *testing.T) {
	var w bytes.Buffer
	b := newBar(&w, false)
	b.forDevice(engine.Traits{}, 64)
	b.EpochBegin(1, 2, 100)
	b.EpochResumedAt(99) // as Fit tells it
	b.start = b.start.Add(-time.Second)
	b.BatchEnd(100, func() engine.Logs { return engine.Logs{"loss": 1} })
	out := w.String()
	m := regexp.MustCompile(`(\d+) img/s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no speed shown:\n%s", out)
	}
	if rate, _ := strconv.Atoi(m[1]); rate > 64 {
		t.Errorf("one step of 64 images in a second or more shown as %v:\n%s", m, out)
	}
	if regexp.MustCompile(`\[\d+s:\d+s\]`).MatchString(out) {
		t.Errorf("time left shown:\n%s", out)
	}
}
