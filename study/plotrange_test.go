package study

import (
	"math"
	"path/filepath"
	"testing"

	"mnistgpu/engine"
)

// TestPlotOfExtremeValues: a history.json holding numbers far from any
// loss or accuracy (an edited file) is plotted, not a crash: one value of
// 1e308 panicked in gonum ("illegal range": its ±1 widening of a flat axis
// is lost at that size), and 1e308 with -1e308 looped for ever computing
// ticks; values beyond float32's range are left out as NaN and Inf are.
func TestPlotOfExtremeValues(t *testing.T) {
	for _, c := range []struct {
		name      string
		loss, acc []float64
	}{
		{"one value of 1e308", []float64{1e308}, []float64{-1e308}},
		{"1e308 and -1e308", []float64{1e308, -1e308}, []float64{0.5, 0.6}},
		{"float32's extremes", []float64{math.MaxFloat32, -math.MaxFloat32}, []float64{math.MaxFloat32, math.MaxFloat32}},
		{"one value of 1e20", []float64{1e20}, []float64{1e20}},
		{"1e20 twice, 1e20+2^20", []float64{1e20, 1e20, 1e20 + 1<<20}, []float64{0.5, 0.5, 0.5}},
		{"1e20 and the next float64", []float64{1e20, math.Nextafter(1e20, 2e20)}, []float64{1, math.Nextafter(1, 2)}},
	} {
		h := &engine.History{}
		for e := range c.loss {
			h.Append(e, engine.Logs{"loss": c.loss[e], "accuracy": c.acc[e]}, 1)
		}
		path := filepath.Join(t.TempDir(), "h.png")
		if err := HistoryPlot(path, c.name, h); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		checkPNG(t, path)
	}
}
