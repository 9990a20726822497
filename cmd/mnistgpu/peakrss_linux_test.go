package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// vmHWM is the kernel's high-water mark of this process's resident set
// (VmHWM in /proc/self/status), in bytes.
func vmHWM(t *testing.T) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb * 1024
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}

// peakRSS is in bytes: about the high-water mark the kernel shows in /proc,
// not 1024 times less or more. The bounds are loose: the two counters are
// summed at different moments, and ru_maxrss keeps the peak of the image
// this process was exec'd from (the go command, under go test).
func TestPeakRSSInBytes(t *testing.T) {
	touched := make([]byte, 32<<20)
	for i := range touched {
		touched[i] = byte(i)
	}
	hwm := vmHWM(t)
	peak, ok := peakRSS()
	if !ok {
		t.Fatal("no peak RSS on Linux")
	}
	if peak < hwm/2 || peak > 64*hwm {
		t.Fatalf("peakRSS %d bytes, VmHWM %d bytes", peak, hwm)
	}
	if hwm < uint64(len(touched)) {
		t.Fatalf("VmHWM %d bytes after touching %d", hwm, len(touched))
	}
}
