package study

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A value a cell's folder name cannot hold is refused on Windows, and only
// there: lr-schedule values hold ':'.
func TestFolderNameProblem(t *testing.T) {
	for _, c := range []struct {
		value, goos string
		bad         string // the character named, "" when accepted
	}{
		{"cosine:2", "windows", ":"},
		{`a\b`, "windows", `\`},
		{"x*", "windows", "*"},
		{"tab\there", "windows", "\t"},
		{"0.01", "windows", ""},
		{"leaky_relu", "windows", ""},
		{"cosine:2", "linux", ""},
		{"cosine:2", "darwin", ""},
	} {
		got := folderNameProblem(c.value, c.goos)
		if (got == "") != (c.bad == "") || !strings.HasPrefix(got, fmt.Sprintf("holds %q", c.bad)) && c.bad != "" {
			t.Errorf("%q on %s: %q", c.value, c.goos, got)
		}
	}
	// This system's rule is the one Validate applies.
	f := File{Name: "t", Seeds: []uint64{1}, Axes: []Axis{{Name: "lr-schedule", Values: []string{"cosine:2"}}}}
	err := f.Validate()
	if runtime.GOOS == "windows" {
		if err == nil || !strings.Contains(err.Error(), `axis "lr-schedule": value "cosine:2" holds ":"`) {
			t.Errorf("Validate on windows: %v", err)
		}
	} else if err != nil {
		t.Errorf("Validate on %s: %v", runtime.GOOS, err)
	}
}
