package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study whose cells trained with --no-verify (on a subset), continued
// without it, fails its data's verification: the refusal says that the
// cells were trained with --no-verify and to pass it, exit 2, instead of
// the bare checksum failure (exit 1) that left the user to guess why a
// study that ran yesterday is refused today. A new study on the subset
// without --no-verify keeps the checksum's own advice.
func TestStudyContinuedWithoutTheRecordedNoVerifySaysSo(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "nv.json")
	os.WriteFile(spec, []byte(`{"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	args := []string{"study", "run", spec, "--out", out, "--data-dir", small, "--threads", "1"}
	if _, stderr, code := output(t, append(args, "--no-verify")...); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	for _, more := range [][]string{nil, {"--epochs", "2"}} {
		_, stderr, code := output(t, append(args, more...)...)
		if code != 2 {
			t.Errorf("%v without --no-verify: exit %d, want 2\n%s", more, code, stderr)
		}
		for _, want := range []string{"bad checksum", "trained with --no-verify", filepath.Join(out, "cells", "seed=1"), "pass --no-verify"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v without --no-verify: the refusal does not say %q:\n%s", more, want, stderr)
			}
		}
	}
	_, stderr, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, "new"), "--data-dir", small, "--threads", "1")
	if code == 0 || strings.Contains(stderr, "trained with --no-verify") || !strings.Contains(stderr, "use --no-verify for a custom set") {
		t.Errorf("a new study on the subset: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := output(t, append(args, "--no-verify", "--epochs", "2")...); code != 0 {
		t.Errorf("continued with --no-verify: exit %d\n%s", code, stderr)
	}
}
