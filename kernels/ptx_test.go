package kernels

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// A source's first line may name the oldest architecture it runs on (the
// Makefile compiles it for that one); its PTX must target exactly that, and
// every other module compute_70, the oldest GPU mnistgpu supports.
func TestPTXTargetIsTheSourcesMinimum(t *testing.T) {
	sources, err := filepath.Glob("*.cu")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no kernel sources: %v", err)
	}
	ptx := PTX()
	marker := regexp.MustCompile(`\A// Minimum architecture: sm_(\d+)\n`)
	for _, src := range sources {
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		want := 70
		if m := marker.FindSubmatch(text); m != nil {
			want, _ = strconv.Atoi(string(m[1]))
		}
		name := src[:len(src)-len(".cu")]
		if got := Target(ptx[name]); got != want {
			t.Errorf("%s: PTX targets sm_%d, the source asks for sm_%d (run make ptx)", src, got, want)
		}
	}
	if got := Target(ptx["tf32"]); got != 80 {
		t.Errorf("tf32.ptx targets sm_%d: the tensor-core kernels need sm_80", got)
	}
}

func TestTarget(t *testing.T) {
	for _, c := range []struct {
		ptx  string
		want int
	}{
		{".version 7.8\n.target sm_80\n.address_size 64\n", 80},
		{".version 7.8\n.target sm_70\n", 70},
		{".version 8.0\n.target sm_90a\n", 90},
		{".version 7.8\n.target sm_80, debug\n", 80},
		{".version 7.8\n", 0},
	} {
		if got := Target(c.ptx); got != c.want {
			t.Errorf("Target(%q) = %d, want %d", c.ptx, got, c.want)
		}
	}
}
