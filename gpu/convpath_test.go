//go:build cuda

package gpu

import (
	"errors"
	"math"
	"strings"
	"testing"

	"mnistgpu/engine"
)

// MNISTGPU_CONV=cudnn runs every convolution of the report's CNN on cuDNN
// (no own candidate chosen, no fused forward) and trains to the weights of
// the own kernels within rounding; Describe says so; a bad value is a
// setting (exit 2).
func TestConvPathCudnn(t *testing.T) {
	for _, c := range []struct{ env, err string }{{"", ""}, {"own", ""}, {"cudnn", ""}, {"cuDNN", `="cuDNN"`}, {"1", `="1"`}} {
		_, err := convLibraryOnly(func(k string) string {
			if k == convPathEnv {
				return c.env
			}
			return ""
		})
		var se *engine.SettingError
		if (err == nil) != (c.err == "") || (err != nil && (!errors.As(err, &se) || !strings.Contains(err.Error(), c.err))) {
			t.Errorf("%s=%q: %v, want a setting error with %q", convPathEnv, c.env, err, c.err)
		}
	}
	weights := func(b *Backend) []float32 {
		m, _, _ := cnnOnDevice(t, b)
		if err := b.Synchronize(); err != nil {
			t.Fatal(err)
		}
		var all []float32
		for _, p := range m.Params() {
			w := make([]float32, p.W.Len())
			b.CopyOut(w, p.W)
			all = append(all, w...)
		}
		return all
	}
	own := weights(device(t))
	t.Setenv(convPathEnv, "cudnn")
	b, err := NewWithOptions(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lib := weights(b)
	if len(b.fusedConv) != 0 {
		t.Errorf("a forward convolution ran fused with %s=cudnn: %v", convPathEnv, b.fusedConv)
	}
	for _, u := range cnnConvPasses(t, 64) {
		if ch := b.choiceOf(u.p, u.pass); ch == nil || ch.chosen.own() {
			t.Errorf("%s of %s: %+v, want a cuDNN algorithm", u.pass, convShape(u.p), ch)
		}
	}
	if d := b.Describe(); !strings.Contains(d, "every convolution on cuDNN ("+convPathEnv+"=cudnn)") || strings.Contains(d, "own:") {
		t.Errorf("Describe: %s", d)
	}
	worst := 0.0
	for i := range own {
		worst = max(worst, math.Abs(float64(own[i]-lib[i])))
	}
	if worst > 1e-4 {
		t.Errorf("one step on cuDNN and on the own kernels: weights differ by up to %g", worst)
	}
}
