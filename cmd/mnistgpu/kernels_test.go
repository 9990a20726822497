package main

import (
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	"mnistgpu/cpu"
)

// TestKernelsFollowForcing runs `version` and `bench --format json` as
// processes under the GODEBUG settings BUILDING.md gives for forcing each
// kernel, and requires the kernel they name to be the one forced.
func TestKernelsFollowForcing(t *testing.T) {
	var env []string // this environment without its GODEBUG
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GODEBUG=") {
			env = append(env, e)
		}
	}
	if strings.Contains(os.Getenv("GODEBUG"), "cpu.") {
		t.Skip("GODEBUG sets CPU features here: this process's kernels are not the unforced ones")
	}
	unforced := cpu.Kernels().GEMM
	cases := []struct{ godebug, gemm, why string }{
		{"", unforced, ""},
		{"cpu.avx2=off,cpu.avx512f=off", "portable 6x16", "GODEBUG cpu.avx2=off"},
	}
	if unforced == "avx512 8x32" {
		cases = append(cases, struct{ godebug, gemm, why string }{"cpu.avx512f=off", "avx2+fma 6x16", "GODEBUG cpu.avx512f=off"})
	}
	switch {
	case strings.Contains(cpu.Kernels().Why, "noasm"): // every setting gives the portable kernel
		cases = []struct{ godebug, gemm, why string }{{"", "portable 6x16", "built with -tags noasm"}}
	case runtime.GOARCH != "amd64": // GODEBUG chooses nothing
		cases = cases[:1]
	}
	for _, c := range cases {
		cmd := command("version")
		cmd.Env = append(append([]string(nil), env...), "MNISTGPU_TEST_MAIN=1", "GODEBUG="+c.godebug)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GODEBUG=%s version: %v\n%s", c.godebug, err, out)
		}
		if want := "cpu: GEMM " + c.gemm + ","; !strings.Contains(string(out), want) || !strings.Contains(string(out), c.why) {
			t.Errorf("GODEBUG=%s version: no %q and %q in\n%s", c.godebug, want, c.why, out)
		}
		cmd = command("bench", "--device", "cpu", "--model", "mlp", "--steps", "1", "--runs", "1", "--warmup", "0", "--format", "json")
		cmd.Env = append(append([]string(nil), env...), "MNISTGPU_TEST_MAIN=1", "GODEBUG="+c.godebug)
		if out, err = cmd.Output(); err != nil {
			t.Fatalf("GODEBUG=%s bench: %v\n%s", c.godebug, err, out)
		}
		var r benchResult
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("GODEBUG=%s bench: %v\n%s", c.godebug, err, out)
		}
		if r.CPUKernels == nil || r.CPUKernels.GEMM != c.gemm || !strings.Contains(r.CPUKernels.Why, c.why) ||
			!strings.Contains(r.Device, "GEMM kernel "+c.gemm) {
			t.Errorf("GODEBUG=%s bench: device %q, cpu_kernels %+v, want GEMM %q because of %q", c.godebug, r.Device, r.CPUKernels, c.gemm, c.why)
		}
	}
}
