package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
)

// peakRSS is the process's peak resident set in bytes since it started or
// since the last resetPeakRSS: the kernel's high-water mark (VmHWM in
// /proc/self/status); none where /proc is not mounted. getrusage's
// ru_maxrss is no substitute: it cannot be reset, and it keeps the peak of
// the image this process was exec'd from.
func peakRSS() (uint64, bool) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return vmHWM(raw)
}

// vmHWM reads the VmHWM line ("VmHWM:	  207544 kB") of a /proc/PID/status.
func vmHWM(status []byte) (uint64, bool) {
	s := bufio.NewScanner(bytes.NewReader(status))
	for s.Scan() {
		v, ok := bytes.CutPrefix(s.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
		return kb * 1024, err == nil && kb > 0
	}
	return 0, false
}

// resetPeakRSS makes the next peakRSS the peak from now on, so that each of
// bench's --threads values reports its own rather than the process's so
// far: the memory the Go runtime keeps from earlier work is handed back,
// then the kernel's high-water mark is reset to the current resident set
// (writing 5 to /proc/self/clear_refs, Linux 4.0 and later). It reports
// whether the mark was reset.
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return false
	}
	_, ok := peakRSS()
	return ok
}
