package main

// The runner: bin/mnistgpu is the CPU build, which starts on any machine;
// bin/mnistgpu-cuda, the same command built with -tags cuda, links
// libcuda.so.1 and dies before main where there is no NVIDIA driver
// (gorgonia.org/cu initialises the driver in its package init). A command
// that asks for --device cuda, cuda:N or auto makes the CPU build probe the
// runner once, in a child process, and replace itself with the runner when
// a driver answers; otherwise auto trains here on the CPU and says why in
// one line, and cuda is an error with exit code 2. See docs/gpu-backend.md.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/gpu"
	"mnistgpu/run"
	"mnistgpu/study"
)

const (
	// runnerName is the cuda build's file name, looked for next to this
	// executable, then on PATH.
	runnerName = "mnistgpu-cuda"
	// runnerEnv is set, to the path of the binary that handed over, in the
	// environment of a runner started by exec: a process that has it never
	// probes or hands over again.
	runnerEnv = "MNISTGPU_RUNNER_OF"
	// probeCommand is the hidden subcommand the runner answers a probe with.
	probeCommand = "probe"
	// probeTimeout bounds a probe: driver initialisation takes well under a
	// second, a few seconds on a node with many GPUs and persistence off.
	probeTimeout = 60 * time.Second
)

// cpuBuild says whether this binary is the CPU build, which hands GPU work
// to the runner.
func cpuBuild() bool { return gpu.ErrNotBuilt != nil }

// noGPU is why a command cannot run on a GPU from this binary.
type noGPU struct{ reason string }

func (e *noGPU) Error() string { return e.reason }

// dispatcher decides, in the CPU build, whether a command runs in this
// process or in the runner. Its functions are the outside world, so tests
// can play it.
type dispatcher struct {
	self     string // this executable
	args     []string
	environ  []string
	lookPath func(string) (string, error)
	probe    func(runner string, full bool) (runtimeReport, error)
	exec     func(path string, args, env []string) error
	log      io.Writer
	// noRunner is why this platform has no runner at all ("" where it may
	// have one): runnerMissing(runtime.GOOS).
	noRunner string
}

// runnerMissing is why a CPU build for goos has no runner, "" on Linux: the
// cuda build is built and tested on Linux only, and the hand-over replaces
// the process (execve), which Windows does not have (BUILDING.md).
func runnerMissing(goos string) string {
	if goos == "linux" {
		return ""
	}
	return "the cuda build runs on Linux only (BUILDING.md); this is the CPU build for " + goos
}

func newDispatcher() dispatcher {
	self, _ := os.Executable()
	return dispatcher{self: self, args: os.Args, environ: os.Environ(), lookPath: exec.LookPath,
		probe: probeRunner, exec: syscall.Exec, log: toLog{}, noRunner: runnerMissing(runtime.GOOS)}
}

// handsOver says whether this process hands GPU work to a runner: the CPU
// build does, unless it was itself started as one.
func handsOver() bool { return cpuBuild() && os.Getenv(runnerEnv) == "" }

// useRunner makes every command with a --device flag hand itself to the
// runner through d when its device needs a GPU.
func useRunner(app *cli.App, d dispatcher) {
	var walk func(cmds []*cli.Command, path string)
	walk = func(cmds []*cli.Command, path string) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.Name)
			walk(c.Subcommands, name)
			if !commandHasFlag(c, "device") {
				continue
			}
			devices := configDevices
			if name == "study run" {
				devices = studyDevices
			}
			before := c.Before
			c.Before = func(ctx *cli.Context) error {
				if before != nil {
					if err := before(ctx); err != nil {
						return err
					}
				}
				return d.dispatch(ctx, devices(ctx))
			}
		}
	}
	walk(app.Commands, "")
}

func commandHasFlag(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// configDevices is the device a command's flags ask for; for a resumed run
// or one from --config without --device, the device it was recorded with. Nil when the flags do
// not bind: the command itself reports that.
func configDevices(c *cli.Context) []string {
	cfg, err := bindConfig(c)
	if err != nil {
		return nil
	}
	device, _ := run.Lookup("device")
	if overridesRecord(c, device) {
		return []string{cfg.Device.Name}
	}
	if hasFlag(c, "resume") && c.String("resume") != "" {
		if rc, _, err := run.LoadResume(c.String("resume")); err == nil {
			return []string{rc.Device.Name}
		}
	}
	if hasFlag(c, "config") && c.String("config") != "" {
		if rc, err := run.ReadConfigFile(c.String("config")); err == nil {
			return []string{rc.Device.Name}
		}
	}
	return []string{cfg.Device.Name}
}

// studyDevices is the device of every cell of a study (a study file may fix
// the device or make it an axis). Nil, as configDevices', where the command
// refuses the study file or a typed flag that contradicts it: the line of
// auto's fallback to the CPU came before the refusal (a file's "device":
// "auto" and --device cpu typed), as if the study were about to run.
func studyDevices(c *cli.Context) []string {
	base, err := bindConfig(c)
	if err != nil {
		return nil
	}
	devices := []string{base.Device.Name}
	f, err := study.LoadSeeds(c.Args().First(), max(c.Int("seeds"), 0))
	if err != nil || studyFlagsAgree(c, f, base) != nil {
		return nil
	}
	_, cfgs, err := f.Configs(base, c.String("out"))
	if err != nil {
		return devices
	}
	for _, cfg := range cfgs {
		devices = append(devices, cfg.Device.Name)
	}
	return devices
}

// gpuWanted reads a command's devices: auto when any is auto, strict (the
// first device that must be a GPU) when any is cuda or cuda:N.
func gpuWanted(devices []string) (auto bool, strict string) {
	for _, d := range devices {
		name, _, err := engine.ParseDevice(d)
		switch {
		case err != nil: // a bad value: the command itself reports it
		case name == "auto":
			auto = true
		case name == "cuda" && strict == "":
			strict = d
		}
	}
	return auto, strict
}

// dispatch hands the command to the runner when its devices need a GPU and
// a driver answers; else auto falls back to the CPU with one line on log,
// and cuda is an error with exit code 2.
func (d dispatcher) dispatch(c *cli.Context, devices []string) error {
	auto, strict := gpuWanted(devices)
	if !auto && strict == "" {
		return nil
	}
	runner, report, err := d.findRunner(false)
	if err == nil && len(report.Devices) > 0 {
		if mine := buildInfo(); !sameCommit(report.Commit, mine.Commit) {
			fmt.Fprintf(d.log, "mnistgpu: warning: the runner %s is commit %s, this binary %s (make build rebuilds both)\n",
				runner, report.Commit, mine.Commit)
		}
		args := append([]string{runner}, d.args[1:]...)
		env := append(append([]string(nil), d.environ...), runnerEnv+"="+d.self)
		// syscall.Exec does not return when it succeeds.
		if err := d.exec(runner, args, env); err != nil {
			return fmt.Errorf("starting the runner %s: %w", runner, err)
		}
		return nil
	}
	if err == nil {
		err = &noGPU{fmt.Sprintf("the NVIDIA driver (CUDA %s) sees no GPU", cudaVersion(report.DriverVersion))}
	}
	if strict != "" {
		return cli.Exit(fmt.Sprintf("mnistgpu: --device %s: %v (--device cpu or auto trains on the CPU)", strict, err), 2)
	}
	fmt.Fprintf(d.log, "device auto: using cpu: %v\n", err)
	if commandHasFlag(c.Command, "tf32") && c.Bool("tf32") {
		// auto's --tf32 is for a GPU it did not find (on --device cpu it
		// is refused as a setting the run would ignore). Typed, it is
		// said, as a --threads typed where auto opens a GPU is: the run
		// recorded tf32 false without a word. An exported MNISTGPU_TF32
		// is a default, which goes in silence.
		if onCommandLine(c, "tf32") {
			fmt.Fprintln(d.log, "--tf32 is for a GPU (TensorFloat-32): --device auto uses the CPU here, which computes in fp32 only, so it is not used")
		}
		if err := c.Set("tf32", "false"); err != nil {
			return err
		}
	}
	return c.Set("device", "cpu")
}

// findRunner looks for the runner next to this executable, then on PATH,
// and probes it (full: also opens the cuda backend on device 0).
func (d dispatcher) findRunner(full bool) (string, runtimeReport, error) {
	if d.noRunner != "" {
		return "", runtimeReport{}, &noGPU{d.noRunner}
	}
	var runner string
	if d.self != "" {
		if p := filepath.Join(filepath.Dir(d.self), runnerName); isExecutable(p) {
			runner = p
		}
	}
	if runner == "" {
		p, err := d.lookPath(runnerName)
		if err != nil {
			dir := "this binary"
			if d.self != "" {
				dir = filepath.Dir(d.self)
			}
			return "", runtimeReport{}, &noGPU{fmt.Sprintf("no runner %s next to this binary (%s) or on PATH; "+
				"`make build` builds it where the CUDA headers are, or `go build -tags cuda` (BUILDING.md)", runnerName, dir)}
		}
		runner = p
	}
	report, err := d.probe(runner, full)
	return runner, report, err
}

// sameCommit is false only when both commits are known and differ (a
// "+modified" mark aside: Go's and make's ideas of a modified tree differ).
func sameCommit(a, b string) bool {
	a, b = strings.TrimSuffix(a, "+modified"), strings.TrimSuffix(b, "+modified")
	return a == "" || b == "" || a == b
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// probeRunner runs `runner probe` and reads its answer. A runner that
// cannot start says why: the dynamic loader found no libcuda.so.1 (no
// driver installed), or gorgonia.org/cu's cuInit failed (a driver without a
// usable GPU, or a mismatched kernel module).
func probeRunner(runner string, full bool) (runtimeReport, error) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	args := []string{probeCommand}
	if full {
		args = append(args, "--open")
	}
	cmd := exec.CommandContext(ctx, runner, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return runtimeReport{}, &noGPU{fmt.Sprintf("the runner %s did not answer within %v", runner, probeTimeout)}
	}
	return readProbe(runner, stdout.String(), stderr.String(), err)
}

// readProbe makes sense of a probe's output and exit status.
func readProbe(runner, stdout, stderr string, runErr error) (runtimeReport, error) {
	if lib, ok := missingLibrary(stderr); ok {
		if lib == "libcuda.so.1" {
			return runtimeReport{}, &noGPU{"no NVIDIA driver (libcuda.so.1 not found)"}
		}
		return runtimeReport{}, &noGPU{fmt.Sprintf("the runner %s cannot start: %s not found", runner, lib)}
	}
	// gorgonia.org/cu prints this on stdout and exits 1 when cuInit fails.
	const cuInitFailed = "Error in initialization"
	if i := strings.Index(stdout, cuInitFailed); i >= 0 {
		line, _, _ := strings.Cut(stdout[i:], "\n")
		why := line
		if _, after, ok := strings.Cut(line, "details on: "); ok {
			why = after
		}
		why = strings.TrimSpace(why)
		if why == "NoDevice" {
			return runtimeReport{}, &noGPU{"the NVIDIA driver finds no GPU (cuInit: NoDevice)"}
		}
		return runtimeReport{}, &noGPU{fmt.Sprintf("the NVIDIA driver did not initialise (cuInit: %s)", why)}
	}
	var report runtimeReport
	jsonErr := errors.New("no answer")
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "{") {
			jsonErr = json.Unmarshal([]byte(line), &report)
			break
		}
	}
	if runErr != nil || jsonErr != nil {
		why := runErr
		if why == nil {
			why = jsonErr
		}
		last := strings.TrimSpace(stderr)
		if i := strings.LastIndex(last, "\n"); i >= 0 {
			last = last[i+1:]
		}
		if last != "" {
			return runtimeReport{}, &noGPU{fmt.Sprintf("the runner %s failed (%v): %s", runner, why, last)}
		}
		return runtimeReport{}, &noGPU{fmt.Sprintf("the runner %s failed (%v)", runner, why)}
	}
	if report.Build != "cuda" {
		return report, &noGPU{fmt.Sprintf("the runner %s is a %s build, not a cuda one", runner, report.Build)}
	}
	if report.Error != "" {
		return report, &noGPU{"the NVIDIA driver: " + report.Error}
	}
	return report, nil
}

// missingLibrary reads the dynamic loader's "error while loading shared
// libraries: libcuda.so.1: cannot open shared object file".
func missingLibrary(stderr string) (string, bool) {
	const marker = "error while loading shared libraries: "
	i := strings.Index(stderr, marker)
	if i < 0 {
		return "", false
	}
	lib, rest, ok := strings.Cut(stderr[i+len(marker):], ":")
	if !ok || !strings.Contains(rest, "cannot open shared object file") {
		return "", false
	}
	return strings.TrimSpace(lib), true
}

// cudaVersion writes cuDriverGetVersion's 12040 as 12.4.
func cudaVersion(v int) string {
	if v <= 0 {
		return "?"
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}
