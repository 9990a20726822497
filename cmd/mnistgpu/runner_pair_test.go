//go:build cuda

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestRunnerPair builds the pair as make build does, bin/mnistgpu (the CPU
// build) and bin/mnistgpu-cuda (its runner), into one folder and runs them
// as a user would: with no libcuda.so.1 on the library path, --device auto
// trains on the CPU and says why in one line and --device cuda exits 2;
// with the CPU stand-in of the CUDA libraries on the path (make
// test-cuda-sim), auto hands over to the runner, which picks the stand-in.
func TestRunnerPair(t *testing.T) {
	sim := os.Getenv("MNISTGPU_CUDASIM")
	if sim == "" {
		t.Skip("needs the CPU stand-in of the CUDA libraries: make test-cuda-sim sets MNISTGPU_CUDASIM")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	main, runner := filepath.Join(dir, "mnistgpu"), filepath.Join(dir, runnerName)
	for _, b := range [][]string{{"-o", main}, {"-tags", "cuda", "-o", runner}} {
		if out, err := exec.Command(gobin, append(append([]string{"build"}, b...), ".")...).CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", b, err, out)
		}
	}
	// The environment of a machine without a driver: no stand-in on the
	// library path, no device chosen by a variable.
	var noDriver []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "LD_LIBRARY_PATH=") && !strings.HasPrefix(e, "MNISTGPU_DEVICE=") && !strings.HasPrefix(e, runnerEnv+"=") {
			noDriver = append(noDriver, e)
		}
	}
	withSim := append(append([]string(nil), noDriver...), "LD_LIBRARY_PATH="+sim)
	type result struct {
		stdout, stderr string
		code           int
	}
	start := func(env []string, bin string, args ...string) result {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v", bin, args, err)
		}
		return result{stdout.String(), stderr.String(), code}
	}
	train := func(env []string, bin, device string) (result, string) {
		out := filepath.Join(t.TempDir(), "run")
		return start(env, bin, "train", "--device", device, "--model", "mlp", "--epochs", "1", "--train-limit", "256",
			"--data-dir", small, "--no-verify", "--quiet", "--out", out), out
	}
	// deviceLines are the lines about the device choice.
	deviceLines := func(stderr string) []string {
		var lines []string
		for _, l := range strings.Split(untimed(stderr), "\n") {
			if strings.HasPrefix(l, "device ") || strings.HasPrefix(l, "mnistgpu: ") {
				lines = append(lines, l)
			}
		}
		return lines
	}
	device := func(out string) string {
		r, err := run.ReadResult(out)
		if err != nil {
			t.Fatal(err)
		}
		return r.Device
	}

	if r := start(noDriver, runner, probeCommand); r.code == 0 {
		t.Logf("this machine has a driver (the runner starts without the stand-in): the no-driver cases are skipped\n%s", r.stdout)
	} else {
		r, out := train(noDriver, main, "auto")
		want := "device auto: using cpu: no NVIDIA driver (libcuda.so.1 not found)"
		if l := deviceLines(r.stderr); r.code != 0 || len(l) != 1 || l[0] != want {
			t.Errorf("no driver, --device auto: exit %d, device lines %q, want [%q]\n%s", r.code, l, want, r.stderr)
		} else if d := device(out); !strings.HasPrefix(d, "cpu") {
			t.Errorf("no driver, --device auto: trained on %q", d)
		}
		r, _ = train(noDriver, main, "cuda")
		want = "mnistgpu: --device cuda: no NVIDIA driver (libcuda.so.1 not found)"
		if l := deviceLines(r.stderr); r.code != 2 || len(l) != 1 || !strings.HasPrefix(l[0], want) {
			t.Errorf("no driver, --device cuda: exit %d, device lines %q, want one starting %q\n%s", r.code, l, want, r.stderr)
		}
		r = start(noDriver, main, "version")
		if !strings.Contains(r.stdout, "build:     cpu\n") || !strings.Contains(r.stdout, "cuda:      unusable: no NVIDIA driver (libcuda.so.1 not found)\n") {
			t.Errorf("no driver, version:\n%s%s", r.stdout, r.stderr)
		}
	}

	r, out := train(withSim, main, "auto")
	if l := deviceLines(r.stderr); r.code != 0 || len(l) != 1 || !strings.HasPrefix(l[0], "device auto: using cuda: cuda-sim") {
		t.Errorf("stand-in, --device auto: exit %d, device lines %q\n%s", r.code, l, r.stderr)
	} else if d := device(out); !strings.Contains(d, "cuda-sim") {
		t.Errorf("stand-in, --device auto: trained on %q", d)
	}
	r = start(withSim, main, "version")
	for _, want := range []string{"build:     cpu\n", "runner:    " + runner, "gpu 0:     cuda-sim", "backend:   cuda: cuda-sim",
		"driver:    CUDA 11.8 (cuDriverGetVersion 11080), " + filepath.Join(sim, "libcuda.so.1"), "libraries: " + filepath.Join(sim, "libcuda.so.1")} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stand-in, version: no %q in\n%s%s", want, r.stdout, r.stderr)
		}
	}
	r = start(withSim, runner, "version")
	if !strings.Contains(r.stdout, "build:     cuda\n") || !strings.Contains(r.stdout, "backend:   cuda: cuda-sim") {
		t.Errorf("the runner's own version:\n%s%s", r.stdout, r.stderr)
	}

	// The CPU build alone, no runner beside it or on PATH.
	alone := filepath.Join(t.TempDir(), "mnistgpu")
	if raw, err := os.ReadFile(main); err != nil || os.WriteFile(alone, raw, 0o755) != nil {
		t.Fatal(err)
	}
	noRunner := append(append([]string(nil), withSim...), "PATH="+filepath.Dir(alone))
	r, _ = train(noRunner, alone, "auto")
	want := "device auto: using cpu: no runner mnistgpu-cuda next to this binary (" + filepath.Dir(alone) + ") or on PATH"
	if l := deviceLines(r.stderr); r.code != 0 || len(l) != 1 || !strings.HasPrefix(l[0], want) {
		t.Errorf("no runner, --device auto: exit %d, device lines %q, want one starting %q\n%s", r.code, l, want, r.stderr)
	}
}
