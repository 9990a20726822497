package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedsFlagGivesAFileItsSeeds: --seeds N trains seeds 1..N "replacing
// the study file's list", so a file that lists none runs with it; it was
// refused for the list --seeds replaces ("study has no seeds"). Without
// --seeds, such a file is refused saying both ways to give them.
func TestSeedsFlagGivesAFileItsSeeds(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "noseeds.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1"]}],"fixed":{"model":"mlp","epochs":"1","train-limit":"128"}}`), 0o644)
	args := []string{"study", "run", spec, "--out", filepath.Join(dir, "out"), "--data-dir", small, "--no-verify", "--dry-run"}
	_, stderr, code := output(t, args...)
	if want := `noseeds.json: the study has no "seeds": list them ("seeds": [1, 2, 3]), or pass --seeds N`; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("a study file without seeds: exit %d, %q; want exit 2 saying %q", code, stderr, want)
	}
	stdout, stderr, code := output(t, append(args, "--seeds", "2")...)
	if code != 0 || !strings.Contains(stdout+stderr, "lr=0.1,seed=1\n") || !strings.Contains(stdout+stderr, "lr=0.1,seed=2\n") {
		t.Errorf("--seeds 2 of a study file without seeds: exit %d\n%s%s", code, stdout, stderr)
	}
}
