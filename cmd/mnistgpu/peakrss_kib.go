//go:build freebsd || netbsd || openbsd || dragonfly

package main

import "syscall"

// peakRSS is the process's peak resident set in bytes. These kernels give
// getrusage's ru_maxrss in KiB (darwin gives bytes: peakrss_darwin.go;
// Linux reads its resettable high-water mark: peakrss_linux.go).
func peakRSS() (uint64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil || ru.Maxrss <= 0 {
		return 0, false
	}
	return uint64(ru.Maxrss) * 1024, true
}
