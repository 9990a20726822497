package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"mnistgpu/cpu"
	"mnistgpu/engine"
	"mnistgpu/engine/conformance"
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
// passed, in one line (check then exits 0: TestCheckCatchesBrokenKernel runs
// the flag on the whole suite). A failing check is still its row alone.
func TestCheckFailuresOnlyWhenAllPass(t *testing.T) {
	pass := []conformance.Result{{Op: "gemm", Shape: "2x3", Pass: true}, {Op: "relu", Shape: "5", Pass: true}}
	var out bytes.Buffer
	if failed := printChecks(&out, pass, true); failed != 0 || out.String() != "all 2 checks passed\n" {
		t.Errorf("all passing, failures only: %d failed, printed %q; want one line saying all 2 checks passed", failed, out.String())
	}
	out.Reset()
	fail := append(pass, conformance.Result{Op: "conv", Shape: "1x1", Detail: "off by one"})
	if failed := printChecks(&out, fail, true); failed != 1 || !strings.Contains(out.String(), "FAIL: off by one") ||
		strings.Contains(out.String(), "gemm") || !strings.HasSuffix(out.String(), "\n3 checks, 1 failed\n") {
		t.Errorf("one failing, failures only: %d failed, printed\n%s\nwant its row alone and the count", failed, out.String())
	}
}
