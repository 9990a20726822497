package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// runtimeReport is what a build finds at run time: the probe subcommand's
// answer, one line of JSON on stdout, and what `version` prints.
type runtimeReport struct {
	Build   string `json:"build"` // "cuda" or "cpu"
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// DriverVersion is cuDriverGetVersion's: the newest CUDA the driver
	// runs, 12040 for 12.4.
	DriverVersion int          `json:"driver_version,omitempty"`
	Devices       []deviceInfo `json:"devices,omitempty"`
	// Backend is the cuda backend's Describe on device 0 (cuBLAS and cuDNN
	// versions and paths), or BackendError why it did not open; only when
	// the probe was asked to open it.
	Backend      string `json:"backend,omitempty"`
	BackendError string `json:"backend_error,omitempty"`
	// Libraries are the CUDA libraries mapped into the probing process, as
	// the files they resolve to (libcuda.so.550.54.14 names the driver).
	Libraries []string `json:"libraries,omitempty"`
	// Error is why the driver, once initialised, could not list devices.
	Error string `json:"error,omitempty"`
}

type deviceInfo struct {
	Name      string  `json:"name"`
	SM        string  `json:"sm"` // compute capability, "sm_90"
	MemoryGiB float64 `json:"memory_gib"`
}

// probeCommandDef answers a probe: the runner initialises the driver (its
// package init already has, or it would not be running) and says what it
// finds. Hidden: only the CPU build calls it.
func probeCommandDef() *cli.Command {
	return &cli.Command{
		Name:   probeCommand,
		Usage:  "say what this build finds at run time, as JSON (the CPU build asks its runner)",
		Hidden: true,
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "open", Usage: "also open the cuda backend on device 0 (cuBLAS, cuDNN, kernels)"}},
		Action: func(c *cli.Context) error {
			return json.NewEncoder(os.Stdout).Encode(probeHere(c.Bool("open")))
		},
	}
}

// cudaLibraries lists the CUDA libraries mapped into this process (Linux's
// /proc/self/maps), each once, the driver first.
func cudaLibraries() []string {
	raw, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil
	}
	var libs []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || seen[f[5]] {
			continue
		}
		base := filepath.Base(f[5])
		for _, prefix := range []string{"libcuda.so", "libcublas", "libcudnn", "libnvidia-ptxjitcompiler"} {
			if strings.HasPrefix(base, prefix) {
				seen[f[5]] = true
				libs = append(libs, f[5])
				break
			}
		}
	}
	rank := func(path string) string {
		base := filepath.Base(path)
		if strings.HasPrefix(base, "libcuda.so") {
			return "0" + base
		}
		return "1" + base
	}
	slices.SortFunc(libs, func(a, b string) int { return strings.Compare(rank(a), rank(b)) })
	return libs
}
