//go:build !cuda

// Package gpu is the CUDA backend. This file is what the default, CPU-only
// build compiles instead: it registers "cuda" so that asking for it gives a
// clear error instead of an unknown device.
package gpu

import (
	"errors"

	"mnistgpu/engine"
)

// ErrNotBuilt says how to get a CUDA-enabled binary.
var ErrNotBuilt = errors.New("this mnistgpu binary was built without CUDA support; " +
	"rebuild it with `go build -tags cuda ./cmd/mnistgpu` on a machine with the CUDA headers (see BUILDING.md)")

func init() {
	engine.Register(engine.DeviceKind{Name: "cuda", Auto: 1, Traits: engine.Traits{ResidentData: true, LossReadEvery: 50},
		Present: func() error { return errors.New("this build has no CUDA") },
		New:     func(engine.Options) (engine.Backend, error) { return nil, ErrNotBuilt }})
}
