//go:build !cuda

package main

// probeHere is what the CPU build finds: nothing of CUDA, which is its
// runner's to find.
func probeHere(bool) runtimeReport {
	bi := buildInfo()
	return runtimeReport{Build: "cpu", Version: bi.Version, Commit: bi.Commit}
}
