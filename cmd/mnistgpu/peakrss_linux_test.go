package main

import (
	"syscall"
	"testing"
)

// touch allocates n bytes and writes every page, so that they are resident.
func touch(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	return b
}

// peakRSS is in bytes: at least what this process has touched, and not
// above getrusage's peak (which also keeps the peak of the image this
// process was exec'd from, the go command under go test) — not 1024 times
// less or more.
func TestPeakRSSInBytes(t *testing.T) {
	touched := touch(32 << 20)
	peak, ok := peakRSS()
	if !ok {
		t.Skip("no /proc/self/status")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	if peak < uint64(len(touched)) || peak > 2*uint64(ru.Maxrss)*1024 {
		t.Fatalf("peakRSS %d bytes after touching %d; ru_maxrss %d KiB", peak, len(touched), ru.Maxrss)
	}
}

// After resetPeakRSS the peak is the process's from then on: bench
// --threads 1,2 printed for 2 the peak of the whole process so far, 1's
// included.
func TestPeakRSSResets(t *testing.T) {
	_ = touch(128 << 20)
	before, ok := peakRSS()
	if !ok {
		t.Skip("no /proc/self/status")
	}
	if !resetPeakRSS() {
		t.Skip("the kernel's peak resident set cannot be reset here (/proc/self/clear_refs)")
	}
	after, _ := peakRSS()
	if after > before-(64<<20) {
		t.Fatalf("peak %d MiB after 128 MiB freed and the peak reset, %d MiB before", after>>20, before>>20)
	}
	_ = touch(16 << 20)
	if again, _ := peakRSS(); again < after+(8<<20) {
		t.Errorf("peak %d MiB after touching 16 MiB more than the %d MiB at the reset", again>>20, after>>20)
	}
}

// vmHWM reads the kernel's line in KiB, and no number from a line it
// cannot read.
func TestVMHWM(t *testing.T) {
	for _, c := range []struct {
		status string
		want   uint64
		ok     bool
	}{
		{"Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t  207544 kB\nVmRSS:\t 1 kB\n", 207544 << 10, true},
		{"VmHWM:\t0 kB\n", 0, false},
		{"VmHWM:\tlots kB\n", 0, false},
		{"Name:\tx\n", 0, false},
	} {
		if got, ok := vmHWM([]byte(c.status)); got != c.want || ok != c.ok {
			t.Errorf("vmHWM(%q) = %d, %v; want %d, %v", c.status, got, ok, c.want, c.ok)
		}
	}
}
