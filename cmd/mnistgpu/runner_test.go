package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"mnistgpu/run"
)

func TestReadProbe(t *testing.T) {
	exit1 := exec.Command("false").Run()
	for _, tc := range []struct {
		name, stdout, stderr string
		err                  error
		want                 string // "" is success
	}{
		{"no driver", "", "/x/mnistgpu-cuda: error while loading shared libraries: libcuda.so.1: cannot open shared object file: No such file or directory\n",
			exit1, "no NVIDIA driver (libcuda.so.1 not found)"},
		{"other library", "", "/x/mnistgpu-cuda: error while loading shared libraries: libstdc++.so.6: cannot open shared object file: No such file or directory\n",
			exit1, "the runner /x/mnistgpu-cuda cannot start: libstdc++.so.6 not found"},
		{"cuInit no device", `Error in initialization, please refer to "https://docs.nvidia.com/x.html" for details on: NoDevice` + "\n", "",
			exit1, "the NVIDIA driver finds no GPU (cuInit: NoDevice)"},
		{"cuInit other", `Error in initialization, please refer to "https://docs.nvidia.com/x.html" for details on: SystemDriverMismatch` + "\n", "",
			exit1, "the NVIDIA driver did not initialise (cuInit: SystemDriverMismatch)"},
		{"crash", "", "panic: boom\ngoroutine 1 [running]:\nmain.main()\n", exit1, "the runner /x/mnistgpu-cuda failed (exit status 1): main.main()"},
		{"no answer", "hello\n", "", nil, "the runner /x/mnistgpu-cuda failed (no answer)"},
		{"cpu build", `{"build":"cpu","version":"devel"}` + "\n", "", nil, "the runner /x/mnistgpu-cuda is a cpu build, not a cuda one"},
		{"device error", `{"build":"cuda","error":"counting devices: Unknown"}` + "\n", "", nil, "the NVIDIA driver: counting devices: Unknown"},
		{"answer", `{"build":"cuda","driver_version":12040,"devices":[{"name":"NVIDIA H100","sm":"sm_90","memory_gib":79.1}]}` + "\n", "", nil, ""},
	} {
		r, err := readProbe("/x/mnistgpu-cuda", tc.stdout, tc.stderr, tc.err)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (len(r.Devices) != 1 || r.Devices[0].SM != "sm_90" || cudaVersion(r.DriverVersion) != "12.4"):
			t.Errorf("%s: %+v", tc.name, r)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// probeRunner runs the runner it finds; scripts play one.
func TestProbeRunnerRunsTheRunner(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := probeRunner(script("noload", `echo "$0: error while loading shared libraries: libcuda.so.1: cannot open shared object file: No such file or directory" >&2; exit 127`), false); err == nil ||
		err.Error() != "no NVIDIA driver (libcuda.so.1 not found)" {
		t.Errorf("missing libcuda: %v", err)
	}
	r, err := probeRunner(script("answers", `[ "$1 $2" = "probe --open" ] || exit 3; echo '{"build":"cuda","devices":[{"name":"gpu"}]}'`), true)
	if err != nil || len(r.Devices) != 1 {
		t.Errorf("probe --open: %+v %v", r, err)
	}
}

func TestGPUWanted(t *testing.T) {
	for _, tc := range []struct {
		devices []string
		auto    bool
		strict  string
	}{
		{[]string{"cpu"}, false, ""},
		{[]string{"auto"}, true, ""},
		{[]string{"cuda:1"}, false, "cuda:1"},
		{[]string{"cpu", "auto", "cuda", "cuda:2"}, true, "cuda"},
		{[]string{"cuda:x"}, false, ""}, // a bad value: the command reports it
		{nil, false, ""},
	} {
		auto, strict := gpuWanted(tc.devices)
		if auto != tc.auto || strict != tc.strict {
			t.Errorf("%v: auto %v strict %q, want %v %q", tc.devices, auto, strict, tc.auto, tc.strict)
		}
	}
}

var errExeced = errors.New("exec'd")

// fakeRunner plays the outside world for the dispatcher: a runner next to
// self whose probe gives report or err, and an exec that records its call.
type fakeRunner struct {
	report runtimeReport
	err    error
	probes int
	exec   []string // path, then args
	env    []string
	// noRunner is the dispatcher's: why the platform has no runner.
	noRunner string
}

func (f *fakeRunner) dispatcher(t *testing.T, args []string, log *bytes.Buffer) dispatcher {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, runnerName), []byte("#!/bin/sh\nexit 9\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dispatcher{
		self: filepath.Join(dir, "mnistgpu"), args: args, environ: []string{"HOME=/h"},
		lookPath: func(string) (string, error) { return "", errors.New("not on PATH") },
		probe: func(runner string, full bool) (runtimeReport, error) {
			f.probes++
			if filepath.Dir(runner) != dir {
				t.Errorf("probed %s, not the runner next to the binary", runner)
			}
			return f.report, f.err
		},
		exec: func(path string, args, env []string) error {
			f.exec, f.env = append([]string{path}, args...), env
			return errExeced
		},
		log: log, noRunner: f.noRunner,
	}
}

// runWithRunner runs the CLI as main does, with the fake runner.
func (f *fakeRunner) run(t *testing.T, args ...string) (error, string) {
	var log bytes.Buffer
	full := append([]string{"mnistgpu"}, args...)
	app := newApp()
	useRunner(app, f.dispatcher(t, full, &log))
	err := app.Run(flagsFirst(app, full))
	return err, log.String()
}

func deviceTrainArgs(device, out string) []string {
	return []string{"train", "--device", device, "--model", "mlp", "--epochs", "1", "--train-limit", "128",
		"--data-dir", small, "--no-verify", "--quiet", "--out", out}
}

func TestDispatchHandsOverWhenADriverAnswers(t *testing.T) {
	for _, device := range []string{"auto", "cuda", "cuda:0"} {
		f := &fakeRunner{report: runtimeReport{Build: "cuda", Devices: []deviceInfo{{Name: "gpu"}}}}
		args := deviceTrainArgs(device, t.TempDir())
		err, log := f.run(t, args...)
		if !errors.Is(err, errExeced) || f.probes != 1 {
			t.Fatalf("%s: err %v, %d probes, log %q", device, err, f.probes, log)
		}
		if filepath.Base(f.exec[0]) != runnerName || f.exec[1] != f.exec[0] || !slices.Equal(f.exec[2:], args) {
			t.Errorf("%s: exec %q", device, f.exec)
		}
		if !slices.Contains(f.env, "HOME=/h") || !slices.ContainsFunc(f.env, func(e string) bool { return strings.HasPrefix(e, runnerEnv+"=") }) {
			t.Errorf("%s: env %q", device, f.env)
		}
	}
}

// A runner from another commit still runs, with a warning: its flags or
// files may differ.
func TestDispatchWarnsOfAnotherCommit(t *testing.T) {
	defer func(c string) { commit = c }(commit)
	commit = "1111+modified"
	for _, tc := range []struct {
		runner string
		warns  bool
	}{{"1111", false}, {"", false}, {"2222", true}} {
		f := &fakeRunner{report: runtimeReport{Build: "cuda", Commit: tc.runner, Devices: []deviceInfo{{Name: "gpu"}}}}
		err, log := f.run(t, deviceTrainArgs("auto", t.TempDir())...)
		if warns := strings.Contains(log, "warning: the runner "); !errors.Is(err, errExeced) || warns != tc.warns {
			t.Errorf("runner commit %q: err %v, log %q", tc.runner, err, log)
		}
	}
}

func TestDispatchWithoutDriver(t *testing.T) {
	noDriver := &noGPU{"no NVIDIA driver (libcuda.so.1 not found)"}
	// auto trains here, on the CPU, and says why in one line.
	f := &fakeRunner{err: noDriver}
	out := t.TempDir()
	err, log := f.run(t, deviceTrainArgs("auto", out)...)
	if err != nil || f.exec != nil {
		t.Fatalf("auto: %v, exec %q", err, f.exec)
	}
	if log != "device auto: using cpu: no NVIDIA driver (libcuda.so.1 not found)\n" {
		t.Errorf("auto: log %q", log)
	}
	if r, err := run.ReadResult(out); err != nil || !strings.HasPrefix(r.Device, "cpu") {
		t.Errorf("auto: result %+v %v", r, err)
	}
	// cuda is an error, exit code 2, one line.
	for _, device := range []string{"cuda", "cuda:1"} {
		err, _ = f.run(t, deviceTrainArgs(device, t.TempDir())...)
		var ec cli.ExitCoder
		want := "mnistgpu: --device " + device + ": no NVIDIA driver (libcuda.so.1 not found)"
		if !errors.As(err, &ec) || ec.ExitCode() != 2 || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err %v", device, err)
		}
	}
	// A driver without a GPU.
	f = &fakeRunner{report: runtimeReport{Build: "cuda", DriverVersion: 12040}}
	err, log = f.run(t, deviceTrainArgs("auto", t.TempDir())...)
	if err != nil || log != "device auto: using cpu: the NVIDIA driver (CUDA 12.4) sees no GPU\n" {
		t.Errorf("no GPU: %v, log %q", err, log)
	}
	// cpu never probes.
	f = &fakeRunner{err: noDriver}
	if err, log = f.run(t, deviceTrainArgs("cpu", t.TempDir())...); err != nil || log != "" || f.probes != 0 {
		t.Errorf("cpu: %v, log %q, %d probes", err, log, f.probes)
	}
}

func TestDispatchWithoutRunner(t *testing.T) {
	var log bytes.Buffer
	dir := t.TempDir()
	d := dispatcher{self: filepath.Join(dir, "mnistgpu"), log: &log,
		lookPath: func(string) (string, error) { return "", errors.New("not found") },
		probe: func(string, bool) (runtimeReport, error) {
			t.Error("probed without a runner")
			return runtimeReport{}, nil
		}}
	args := append([]string{"mnistgpu"}, deviceTrainArgs("auto", t.TempDir())...)
	d.args = args
	app := newApp()
	useRunner(app, d)
	if err := app.Run(flagsFirst(app, args)); err != nil {
		t.Fatal(err)
	}
	want := "device auto: using cpu: no runner mnistgpu-cuda next to this binary (" + dir + ") or on PATH"
	if !strings.HasPrefix(log.String(), want) || strings.Count(log.String(), "\n") != 1 {
		t.Errorf("log %q", log.String())
	}
}

// Off Linux (Windows, macOS) the CPU build looks for no runner, even one
// that would answer: auto trains on the CPU and says why, cuda is refused.
func TestDispatchOffLinux(t *testing.T) {
	if runnerMissing("linux") != "" {
		t.Errorf("linux has no runner: %q", runnerMissing("linux"))
	}
	why := "the cuda build runs on Linux only (BUILDING.md); this is the CPU build for windows"
	f := &fakeRunner{report: runtimeReport{Build: "cuda", Devices: []deviceInfo{{Name: "gpu"}}}, noRunner: runnerMissing("windows")}
	if err, log := f.run(t, deviceTrainArgs("auto", t.TempDir())...); err != nil || f.probes != 0 || log != "device auto: using cpu: "+why+"\n" {
		t.Errorf("auto: %v, %d probes, log %q", err, f.probes, log)
	}
	err, _ := f.run(t, deviceTrainArgs("cuda", t.TempDir())...)
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 2 || !strings.HasPrefix(err.Error(), "mnistgpu: --device cuda: "+why) || f.probes != 0 {
		t.Errorf("cuda: %v, %d probes", err, f.probes)
	}
}

// The device a command will use is what decides: MNISTGPU_DEVICE, a
// resumed run's recorded device, every cell of a study.
func TestDispatchReadsEnvResumeAndStudy(t *testing.T) {
	noDriver := &noGPU{"no NVIDIA driver (libcuda.so.1 not found)"}
	t.Setenv("MNISTGPU_DEVICE", "auto")
	f := &fakeRunner{err: noDriver}
	args := deviceTrainArgs("auto", t.TempDir())
	if err, log := f.run(t, append([]string{args[0]}, args[3:]...)...); err != nil || f.probes != 1 || !strings.HasPrefix(log, "device auto: using cpu") {
		t.Errorf("MNISTGPU_DEVICE=auto: %v, %d probes, log %q", err, f.probes, log)
	}
	os.Unsetenv("MNISTGPU_DEVICE")

	// A run recorded with auto (trained without a dispatcher) asks for a
	// GPU when it is resumed without --device; falling back, it records cpu.
	out := t.TempDir()
	if err := cliRun(deviceTrainArgs("auto", out)...); err != nil {
		t.Fatal(err)
	}
	f = &fakeRunner{err: noDriver}
	if err, log := f.run(t, "train", "--resume", out, "--epochs", "2", "--quiet"); err != nil || f.probes != 1 ||
		log != "device auto: using cpu: no NVIDIA driver (libcuda.so.1 not found)\n" {
		t.Errorf("resume of an auto run: %v, %d probes, log %q", err, f.probes, log)
	}
	f = &fakeRunner{err: noDriver}
	if err, _ := f.run(t, "train", "--resume", out, "--epochs", "3", "--quiet"); err != nil || f.probes != 0 {
		t.Errorf("resume of a run that went on on the cpu: %v, %d probes", err, f.probes)
	}

	// A study with a cuda cell is refused before any cell runs.
	spec := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(spec, []byte(`{"name":"d","axes":[{"name":"device","values":["cpu","cuda"]}],"seeds":[1],"fixed":{"model":"mlp"}}`), 0o644)
	f = &fakeRunner{err: noDriver}
	err, _ := f.run(t, "study", "run", spec, "--out", t.TempDir(), "--data-dir", small, "--no-verify")
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 2 || !strings.Contains(err.Error(), "--device cuda: no NVIDIA driver") {
		t.Errorf("study with a cuda cell: %v", err)
	}
}

func TestVersionSaysWhatItFinds(t *testing.T) {
	if !cpuBuild() {
		t.Skip("the cuda build asks the driver itself (TestRunnerPair)")
	}
	var out bytes.Buffer
	f := &fakeRunner{err: &noGPU{"no NVIDIA driver (libcuda.so.1 not found)"}}
	printVersion(&out, f.dispatcher(t, nil, nil))
	for _, want := range []string{"version:   mnistgpu ", "build:     cpu\n", "backends:  cpu, ", "cuda (in the runner mnistgpu-cuda)",
		"runner:    /", "cuda:      unusable: no NVIDIA driver (libcuda.so.1 not found)\n",
		// A test binary has no revision stamped, as a -buildvcs=false build
		// from a checkout has none: the line said "not built from a git checkout".
		"commit:    unknown (no revision stamped: built outside a git checkout, or with -buildvcs=false)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	f = &fakeRunner{report: runtimeReport{Build: "cuda", Version: "devel", DriverVersion: 12040,
		Devices: []deviceInfo{{Name: "NVIDIA H100", SM: "sm_90", MemoryGiB: 79.1}}, Backend: "cuda: NVIDIA H100 ..., cuBLAS 120405 (/l/libcublas.so.12)",
		Libraries: []string{"/usr/lib/libcuda.so.550.54.14", "/l/libcublas.so.12.4.5.8"}}}
	printVersion(&out, f.dispatcher(t, nil, nil))
	for _, want := range []string{"driver:    CUDA 12.4 (cuDriverGetVersion 12040), /usr/lib/libcuda.so.550.54.14\n",
		"gpu 0:     NVIDIA H100, sm_90, 79.1 GiB\n", "backend:   cuda: NVIDIA H100 ..., cuBLAS 120405", "libraries: /usr/lib/libcuda.so.550.54.14\n           /l/libcublas.so.12.4.5.8\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}
