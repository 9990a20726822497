package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A study whose cells trained with --no-verify (on a subset), continued
// without it, keeps it, as train --resume keeps a run's recorded
// --no-verify, and says so. It was refused by the subset's checksums,
// telling the user to pass the flag that train --resume did not need.
// --no-verify=false checks the data, and is refused saying that the cells
// were trained with --no-verify, exit 2, instead of the bare checksum
// failure (exit 1). A new study on the subset without --no-verify keeps
// the checksum's own advice.
func TestStudyContinuedKeepsTheRecordedNoVerify(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "nv.json")
	os.WriteFile(spec, []byte(`{"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"}}`), 0o644)
	out := filepath.Join(dir, "out")
	cell := filepath.Join(out, "cells", "seed=1")
	args := []string{"study", "run", spec, "--out", out, "--data-dir", small, "--threads", "1"}
	if _, stderr, code := output(t, append(args, "--no-verify")...); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	for _, more := range [][]string{{"--no-verify=false"}, {"--no-verify=false", "--epochs", "2"}} {
		_, stderr, code := output(t, append(args, more...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", more, code, stderr)
		}
		for _, want := range []string{"bad checksum", "trained with --no-verify", cell, "pass --no-verify"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: the refusal does not say %q:\n%s", more, want, stderr)
			}
		}
	}
	_, stderr, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, "new"), "--data-dir", small, "--threads", "1")
	if code == 0 || strings.Contains(stderr, "trained with --no-verify") || !strings.Contains(stderr, "use --no-verify for a custom set") {
		t.Errorf("a new study on the subset: exit %d\n%s", code, stderr)
	}
	for _, epochs := range []string{"2", "3"} {
		_, stderr, code := output(t, append(args, "--epochs", epochs)...)
		if code != 0 || !strings.Contains(stderr, "keeps the --no-verify its cells were trained with ("+filepath.Join(cell, "config.json")+" records it)") {
			t.Errorf("continued without --no-verify, --epochs %s: exit %d, want 0 saying it keeps the recorded --no-verify\n%s", epochs, code, stderr)
		}
		if n := len(historyOf(t, cell).Epochs); strconv.Itoa(n) != epochs {
			t.Errorf("continued without --no-verify, --epochs %s: the cell has %d epochs", epochs, n)
		}
		cfg, err := run.ReadConfigFile(filepath.Join(cell, run.ConfigFile))
		if err != nil || !cfg.Source.NoVerify {
			t.Errorf("continued without --no-verify: the cell's config.json no longer records it (%v)", err)
		}
	}
	if _, stderr, code := output(t, append(args, "--no-verify", "--epochs", "4")...); code != 0 || strings.Contains(stderr, "keeps the --no-verify") {
		t.Errorf("continued with --no-verify: exit %d\n%s", code, stderr)
	}
}
