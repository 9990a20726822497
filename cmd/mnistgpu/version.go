package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/cpu"
	"mnistgpu/engine"
)

// version and commit are set at link time, as make build does:
// go build -ldflags "-X main.version=$(git describe --always --dirty) -X main.commit=$(git rev-parse HEAD)".
// Without them: the module version of a `go install ...@version` build
// (else "devel") and the vcs.revision Go stamps into a build from a git
// checkout (unless -buildvcs=false).
var version, commit string

// build is what this binary is: its version, the commit it was built from
// and which build it is.
type build struct {
	Version  string
	Commit   string // vcs.revision, "+modified" when the tree had changes
	Time     string // vcs.time
	Go       string
	Build    string // "cpu" or "cuda"
	Backends []string
}

func buildInfo() build {
	b := build{Version: version, Commit: commit, Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, Build: "cuda"}
	if cpuBuild() {
		b.Build = "cpu"
	}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		revision, modified := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && revision != "" {
			revision += "+modified"
		}
		if b.Commit == "" {
			b.Commit = revision
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	for _, name := range engine.Backends() {
		if name == "cuda" && cpuBuild() {
			name = "cuda (in the runner " + runnerName + ")"
		}
		b.Backends = append(b.Backends, name)
	}
	return b
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "version, commit, build, and the GPU, driver, cuBLAS and cuDNN found at run time (the first thing a bug report needs)",
		Action: func(c *cli.Context) error {
			printVersion(os.Stdout, newDispatcher())
			return nil
		},
	}
}

// printVersion writes what this binary is and what it finds at run time:
// the cuda build asks the driver itself, the CPU build asks its runner.
func printVersion(w io.Writer, d dispatcher) {
	b := buildInfo()
	line := func(key, format string, a ...any) { fmt.Fprintf(w, "%-10s %s\n", key+":", fmt.Sprintf(format, a...)) }
	line("version", "mnistgpu %s", b.Version)
	commit := b.Commit
	if commit == "" {
		// Go stamps no revision with -buildvcs=false (GOFLAGS may hold it)
		// nor outside a checkout; the build says which.
		commit = "unknown (no revision stamped: built outside a git checkout, or with -buildvcs=false)"
	} else if b.Time != "" {
		commit += " (" + b.Time + ")"
	}
	line("commit", "%s", commit)
	line("go", "%s", b.Go)
	line("build", "%s", b.Build)
	line("backends", "%s", strings.Join(b.Backends, ", "))
	line("kernels", "cpu: %s", cpu.Kernels())
	var r runtimeReport
	if cpuBuild() {
		runner, report, err := d.findRunner(true)
		switch {
		case runner == "":
			line("runner", "none: %v", err)
			line("cuda", "not looked for: this binary trains on the CPU")
			return
		case err != nil:
			line("runner", "%s", runner)
			line("cuda", "unusable: %v", err)
			return
		}
		about := report.Version
		if report.Commit != "" {
			about += ", commit " + report.Commit
		}
		if !sameCommit(report.Commit, b.Commit) {
			about += "; not this binary's: make build rebuilds both"
		}
		line("runner", "%s (%s)", runner, about)
		r = report
	} else {
		r = probeHere(true)
	}
	driver := fmt.Sprintf("CUDA %s (cuDriverGetVersion %d)", cudaVersion(r.DriverVersion), r.DriverVersion)
	for _, lib := range r.Libraries {
		if strings.HasPrefix(filepath.Base(lib), "libcuda.so") {
			driver += ", " + lib
		}
	}
	line("driver", "%s", driver)
	if r.Error != "" {
		line("devices", "%s", r.Error)
	} else if len(r.Devices) == 0 {
		line("devices", "none: the driver sees no GPU")
	}
	for i, dev := range r.Devices {
		line(fmt.Sprintf("gpu %d", i), "%s, %s, %.1f GiB", dev.Name, dev.SM, dev.MemoryGiB)
	}
	switch {
	case r.Backend != "":
		line("backend", "%s", r.Backend)
	case r.BackendError != "":
		line("backend", "does not open: %s", strings.ReplaceAll(r.BackendError, "\n", "\n           "))
	}
	for i, lib := range r.Libraries {
		key := "libraries:"
		if i > 0 {
			key = ""
		}
		fmt.Fprintf(w, "%-10s %s\n", key, lib)
	}
}
