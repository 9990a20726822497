package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryDoesNotLinkTesting: the shipped command must not link package
// testing (its flags and init would ride along); `check` gets its checks
// from engine/conformance, not from the go-test wrapper engine/enginetest.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	for _, tags := range []string{"", "cuda"} {
		out, err := exec.Command(gobin, "list", "-deps", "-tags", tags, ".").Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("go list -deps -tags %q: %v\n%s", tags, err, stderr)
		}
		for _, pkg := range strings.Fields(string(out)) {
			if pkg == "testing" || strings.HasPrefix(pkg, "testing/") || strings.HasSuffix(pkg, "/enginetest") {
				t.Errorf("mnistgpu (tags %q) imports %s", tags, pkg)
			}
		}
	}
}
