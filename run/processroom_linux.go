//go:build linux

package run

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// processRoom is what this process may still map under its own limits,
// RLIMIT_AS (ulimit -v) and RLIMIT_DATA (ulimit -d): the lower limit less
// what the process maps already against it (VmSize, VmData of
// /proc/self/status), with the limit for messages; 0 when neither is set.
func processRoom() (bytes int64, source string) {
	status, _ := os.ReadFile("/proc/self/status")
	for _, l := range []struct {
		resource     int
		field, which string
	}{{unix.RLIMIT_AS, "VmSize:", "address-space limit (ulimit -v)"}, {unix.RLIMIT_DATA, "VmData:", "data-segment limit (ulimit -d)"}} {
		var r unix.Rlimit
		if unix.Getrlimit(l.resource, &r) != nil || r.Cur == unix.RLIM_INFINITY || r.Cur >= math.MaxInt64 {
			continue
		}
		room := max(int64(r.Cur)-statusBytes(status, l.field), 1)
		if bytes == 0 || room < bytes {
			bytes, source = room, fmt.Sprintf("the process's %s is %s, of which it maps %s already",
				l.which, bytesText(float64(r.Cur)), bytesText(float64(statusBytes(status, l.field))))
		}
	}
	return bytes, source
}

// statusBytes reads a field in kB (VmSize:, VmData:) from
// /proc/self/status; 0 if absent.
func statusBytes(raw []byte, field string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == field {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 && kb < 1<<53 {
				return kb << 10
			}
		}
	}
	return 0
}
