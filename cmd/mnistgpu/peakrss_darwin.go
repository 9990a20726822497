//go:build darwin

package main

import "syscall"

// peakRSS is the process's peak resident set in bytes: on darwin
// getrusage's ru_maxrss is already in bytes, not the KiB of Linux.
func peakRSS() (uint64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil || ru.Maxrss <= 0 {
		return 0, false
	}
	return uint64(ru.Maxrss), true
}
