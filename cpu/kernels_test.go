package cpu

import "testing"

// godebugOff names the GODEBUG setting that turned a feature off, the last
// setting of a feature winning, as golang.org/x/sys/cpu reads them.
func TestGodebugOff(t *testing.T) {
	for _, c := range []struct {
		godebug  string
		features []string
		want     string
	}{
		{"", []string{"avx2"}, ""},
		{"cpu.avx512f=off", []string{"avx512f", "avx512dq"}, "cpu.avx512f=off"},
		{"madvdontneed=1,cpu.avx512dq=off", []string{"avx512f", "avx512dq"}, "cpu.avx512dq=off"},
		{"cpu.avx2=off,cpu.avx512f=off", []string{"avx2", "fma"}, "cpu.avx2=off"},
		{"cpu.avx2=off,cpu.avx2=on", []string{"avx2", "fma"}, ""},
		{"cpu.all=off", []string{"avx2", "fma"}, "cpu.all=off"},
		{"cpu.all=off,cpu.avx2=on", []string{"avx2", "fma"}, "cpu.all=off"},
		{"cpu.all=off,cpu.avx2=on,cpu.fma=on", []string{"avx2", "fma"}, ""},
		{"cpu.avx512=off", []string{"avx512f"}, ""},
	} {
		t.Setenv("GODEBUG", c.godebug)
		if got := godebugOff(c.features...); got != c.want {
			t.Errorf("GODEBUG=%q, features %v: %q, want %q", c.godebug, c.features, got, c.want)
		}
	}
}
