package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study file value that train refuses is refused by study run with exit
// 2, naming the study file and the key it came from (and, for an axis, the
// value and its cell), not only the flag: "fixed": {"epochs": "0"} was
// refused as "cell seed=1: --epochs must be at least 1, got 0", which the
// user never typed, and no message named the file.
func TestStudyFileValueRefusedNamesFileAndKey(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		spec string
		want []string
	}{
		"word":      {`{"seeds":[1],"fixed":{"epochs":"abc"}}`, []string{`fixed setting "epochs"`, `"abc"`}},
		"zero":      {`{"seeds":[1],"fixed":{"epochs":"0"}}`, []string{`fixed setting "epochs": "0"`, "--epochs must be at least 1"}},
		"unknown":   {`{"seeds":[1],"fixed":{"epochz":"2"}}`, []string{`fixed setting "epochz" is not a training setting`}},
		"axisword":  {`{"seeds":[1],"axes":[{"name":"lr","values":["0.1","fast"]}]}`, []string{`axis "lr"`, `"fast"`}},
		"axisrange": {`{"seeds":[1],"axes":[{"name":"lr","values":["0.1","-1"]}]}`, []string{`axis "lr" value "-1"`, "cell lr=-1,seed=1", "--lr must be positive"}},
		"unapplied": {`{"seeds":[1],"fixed":{"optimizer":"adam","momentum":"0.9"}}`, []string{`fixed setting "momentum": "0.9"`, "--momentum applies only to --optimizer sgd"}},
		"axisunapp": {`{"seeds":[1],"fixed":{"optimizer":"adam"},"axes":[{"name":"momentum","values":["0.5","0.9"]}]}`, []string{`axis "momentum" value "0.5"`}},
	} {
		file := filepath.Join(dir, name+".json")
		if err := os.WriteFile(file, []byte(c.spec), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := output(t, "study", "run", file, "--out", filepath.Join(dir, "out-"+name), "--data-dir", small, "--no-verify")
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", name, code, stderr)
		}
		for _, w := range append([]string{file + ": "}, c.want...) {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: the refusal does not say %q:\n%s", name, w, stderr)
			}
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: the refusal is more than one line:\n%s", name, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "out-"+name)); err == nil {
			t.Errorf("%s: the refused study wrote its folder", name)
		}
	}
}
