//go:build cuda

package main

import (
	"fmt"

	"gorgonia.org/cu"

	"mnistgpu/engine"
)

// probeHere is what the cuda build finds: the driver (initialised before
// main), its devices and, when open, device 0's backend.
func probeHere(open bool) runtimeReport {
	bi := buildInfo()
	r := runtimeReport{Build: "cuda", Version: bi.Version, Commit: bi.Commit, DriverVersion: cu.Version()}
	n, err := cu.NumDevices()
	if err != nil {
		r.Error = fmt.Sprintf("counting devices: %v", err)
	}
	for i := 0; i < n; i++ {
		d := deviceInfo{Name: "?"}
		if dev, err := cu.GetDevice(i); err == nil {
			if name, err := dev.Name(); err == nil {
				d.Name = name
			}
			if major, minor, err := dev.ComputeCapability(); err == nil {
				d.SM = fmt.Sprintf("sm_%d%d", major, minor)
			}
			if mem, err := dev.TotalMem(); err == nil {
				d.MemoryGiB = float64(mem) / (1 << 30)
			}
		}
		r.Devices = append(r.Devices, d)
	}
	if open && n > 0 {
		if be, err := engine.NewBackend("cuda", engine.Options{}); err != nil {
			r.BackendError = err.Error()
		} else {
			r.Backend = be.Describe()
			engine.Close(be)
		}
	}
	r.Libraries = cudaLibraries()
	return r
}
