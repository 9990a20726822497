//go:build !linux

package run

// processRoom is what this process may still map under its own limits:
// read on Linux only; 0 (no limit known) elsewhere.
func processRoom() (bytes int64, source string) { return 0, "" }
