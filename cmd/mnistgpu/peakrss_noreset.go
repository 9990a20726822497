//go:build !linux

package main

// resetPeakRSS: these systems keep one peak for the process (getrusage's
// ru_maxrss, Windows' peak working set), which nothing lowers, so bench
// reports a peak for its first --threads value only.
func resetPeakRSS() bool { return false }
