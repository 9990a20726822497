package engine

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TemporaryOf knows WriteFileAtomic's temporary names and nothing else: a
// user's hidden file is not taken for a dead writer's temporary.
func TestTemporaryOf(t *testing.T) {
	longest := strconv.FormatUint(math.MaxUint64, 36)
	for name, want := range map[string]string{
		".state.safetensors.tmp" + longest: "state.safetensors",
		".a.tmp0000000000":                 "a",
		".x.tmp.tmpz9z9z9z9z9":             "x.tmp",
		".results.csv.tmpold":              "", // a user's copy: too few digits for a random uint64
		".study.json.tmpbackup":            "",
		".a.tmp000000000":                  "", // 9 digits
		".state.safetensors.tmp":           "", // no digits
		".a.tmp" + longest + "0":           "", // more than a uint64
		".a.tmpZ111111111":                 "", // not base 36 as FormatUint writes it
		"a.tmp1111111111":                  "", // not hidden
		"..tmp1111111111":                  "", // no name
		".a.tmp1.bak":                      "",
	} {
		if got := TemporaryOf(name); got != want {
			t.Errorf("TemporaryOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// RemoveStaleTemporaries takes the regular files that are temporaries of
// the names it is given, in the folder only.
func TestRemoveStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".w.tmp1111111111", ".w.tmpabababababa", ".w.tmpold", ".v.tmp1111111111", ".w", "w", "sub/.w.tmp2222222222"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, ".w.tmp3333333333"), 0o755)
	removed := RemoveStaleTemporaries(dir, func(target string) bool { return target == "w" })
	slices.Sort(removed)
	if !slices.Equal(removed, []string{".w.tmp1111111111", ".w.tmpabababababa"}) {
		t.Errorf("removed %v, want .w.tmp1111111111 and .w.tmpabababababa", removed)
	}
	for _, name := range []string{".w.tmpold", ".v.tmp1111111111", ".w", "w", "sub/.w.tmp2222222222", ".w.tmp3333333333"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
