package main

import (
	"errors"
	"regexp"
	"strings"
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

// TestCheckRefusesNegativeThreads: check --threads -1 is a bad setting
// (exit 2, naming the flag), as train's is; it was exit 1 with "device
// cpu: threads -1 and device index 0 must not be negative".
func TestCheckRefusesNegativeThreads(t *testing.T) {
	err := cliRun("check", "--threads", "-1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--threads must not be negative, got -1") {
		t.Errorf("check --threads -1: %v, want exit code 2 naming --threads", err)
	}
}

// TestCheckFailuresOnlyWhenAllPass: check --failures-only on a backend that
// passes printed the table's header over no rows; it says that every check
// passed, in one line, and exits 0.
func TestCheckFailuresOnlyWhenAllPass(t *testing.T) {
	stdout, stderr, code := output(t, "check", "--device", "cpu", "--failures-only")
	if code != 0 || !regexp.MustCompile(`\n\nall [1-9][0-9]* checks passed\n$`).MatchString(stdout) || strings.Contains(stdout, "tolerance") {
		t.Errorf("exit %d, want 0 and one line saying all checks passed, no table:\n%s%s", code, stdout, stderr)
	}
}
