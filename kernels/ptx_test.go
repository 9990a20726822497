package kernels

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every KERNEL in a .cu source has an entry in its committed PTX and the
// other way round, so a source edited without `make ptx` is caught even where
// nvcc is absent.
func TestPTXMatchesSources(t *testing.T) {
	sources, err := filepath.Glob("*.cu")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no kernel sources: %v", err)
	}
	ptx := PTX()
	kernel := regexp.MustCompile(`(?m)^KERNEL (\w+)\(`)
	for _, src := range sources {
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range kernel.FindAllStringSubmatch(string(text), -1) {
			want = append(want, m[1])
		}
		name := src[:len(src)-len(".cu")]
		got := Entries(ptx[name])
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: kernels %v, PTX entries %v (run make ptx)", src, want, got)
		}
	}
	if len(ptx) != len(sources) {
		t.Errorf("%d PTX modules for %d sources", len(ptx), len(sources))
	}
}

// nvcc names a __shared__ variable of a static device function after a hash
// of the source file's path (_INTERNAL_<hash>_...), so such PTX differs in
// every checkout and make check-ptx fails elsewhere: kernels declare their
// shared memory themselves (see COLUMN_SUMS_SHARED).
func TestPTXDoesNotDependOnThePath(t *testing.T) {
	for name, text := range PTX() {
		if i := strings.Index(text, "_INTERNAL_"); i >= 0 {
			end := min(len(text), i+80)
			t.Errorf("%s.ptx has a path-dependent name: %s", name, text[i:end])
		}
	}
}
