//go:build !(linux || freebsd || netbsd || openbsd || dragonfly || darwin || windows)

package main

// peakRSS: no peak resident set is read on this system, so bench prints none
// rather than a number in a unit it cannot vouch for.
func peakRSS() (uint64, bool) { return 0, false }
