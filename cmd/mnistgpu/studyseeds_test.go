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

// An error --seeds causes names --seeds, and one the file holds names the
// file (and its "seeds" key), whichever flag is given beside it: a file's
// error under --seeds 2 read "--seeds 2: f.json: …", blaming the flag, and
// a seed listed twice was "seed 1 is listed twice", naming no key. Too
// many seeds are refused before their list is made.
func TestSeedsErrorsNameTheirSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"axes":[{"name":"lr","values":["0.1","0.01"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"128"}}`)
	twice := write("twice.json", `{"seeds":[1,1],"fixed":{"model":"mlp"}}`)
	negative := write("negative.json", `{"seeds":[-1],"fixed":{"model":"mlp"}}`)
	badAxis := write("badaxis.json", `{"axes":[{"name":"lr","values":[]}],"seeds":[1]}`)
	for _, c := range []struct {
		args      []string
		want, not string
	}{
		{[]string{good, "--seeds", "0"}, "--seeds must be at least 1, got 0", "good.json"},
		{[]string{good, "--seeds", "-1"}, "--seeds must be at least 1, got -1", "good.json"},
		{[]string{good, "--seeds", "abc"}, `--seeds must be a whole number, got "abc"`, "good.json"},
		{[]string{good, "--seeds", "50001"}, "--seeds 50001: the study's 2 settings × 50001 seeds are more than 100000 cells", "good.json"},
		{[]string{good, "--seeds", "9223372036854775807"}, "--seeds 9223372036854775807: the study's 2 settings × 9223372036854775807 seeds are more than 100000 cells", "good.json"},
		{[]string{"--seeds", "3126"}, "--seeds 3126: the study's 32 settings × 3126 seeds are more than 100000 cells", "default study"},
		{[]string{twice}, twice + `: "seeds" lists seed 1 twice`, "--seeds"},
		{[]string{negative}, negative + `: invalid study file: "seeds" takes a non-negative integer, got -1`, "--seeds"},
		{[]string{negative, "--seeds", "2"}, negative + `: invalid study file: "seeds" takes a non-negative integer, got -1`, "--seeds"},
		{[]string{badAxis, "--seeds", "2"}, badAxis + `: axis "lr" has no values`, "--seeds"},
	} {
		args := append([]string{"study", "run", "--out", filepath.Join(dir, "out"), "--dry-run"}, c.args...)
		_, stderr, code := output(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, c.not) {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q, not naming %q", c.args, code, stderr, c.want, c.not)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a refused study made its folder: %v", err)
	}
}
