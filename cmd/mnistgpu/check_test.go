package main

import (
	"errors"
	"testing"

	"github.com/urfave/cli/v2"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

// brokenPadding is the CPU backend with a deliberate off-by-one in the
// convolution's padding: `check` must fail on it.
type brokenPadding struct{ *cpu.Backend }

func (b brokenPadding) Conv2DForward(p engine.ConvParams, x, w, y engine.Buffer) {
	p.PadTop++
	b.Backend.Conv2DForward(p, x, w, y)
}

// `check` on the CPU itself is the conformance suite the cpu package's
// TestConformance runs, and make test-cuda runs `check --device cuda`.
func TestCheckCatchesBrokenKernel(t *testing.T) {
	engine.Register(engine.DeviceKind{Name: "cpu-broken-padding", Traits: cpu.New().Traits(),
		New: func(engine.Options) (engine.Backend, error) { return brokenPadding{cpu.New()}, nil }})
	err := cliRun("check", "--device", "cpu-broken-padding", "--failures-only")
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 1 {
		t.Fatalf("check on a broken backend: %v, want exit code 1", err)
	}
}
