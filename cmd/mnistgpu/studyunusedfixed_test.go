package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A study can compare settings that read a fixed setting with settings that
// do not: SGD with momentum 0.9 against Adam, a plateau against none with
// its factor fixed. The cells whose axis values leave it without effect
// train without it, said in one line; before, the whole study was refused
// ("cell optimizer=adam: --momentum applies only to --optimizer sgd").
// A fixed setting that applies to no cell, or a bad value, is still refused.
func TestStudyCellsGoWithoutAFixedSettingTheyDoNotRead(t *testing.T) {
	dir := t.TempDir()
	spec := func(name, axis, fixed string) string {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(`{"axes":[`+axis+`],"seeds":[1],"fixed":{"model":"mlp","epochs":"1","train-limit":"200"`+fixed+`}}`), 0o644)
		return p
	}
	study := func(file string) (string, int) {
		_, stderr, code := output(t, "study", "run", file, "--out", filepath.Join(dir, "out-"+filepath.Base(file)), "--threads", "1", "--data-dir", small, "--no-verify")
		return stderr, code
	}
	ab := spec("ab", `{"name":"optimizer","values":["adam","sgd"]}`, `,"momentum":"0.9"`)
	for range 2 { // and run again in its folder: the same study
		stderr, code := study(ab)
		if code != 0 {
			t.Fatalf("optimizer axis with a fixed momentum: exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr, `the study file's "momentum": "0.9" does not apply to 1 of its 2 cells (optimizer=adam,seed=1): that cell trains without it`) {
			t.Errorf("the line naming the cells without momentum is missing:\n%s", stderr)
		}
	}
	for cell, want := range map[string]string{"optimizer=adam,seed=1": "", "optimizer=sgd,seed=1": "0.9"} {
		cfg, err := run.ReadConfigFile(filepath.Join(dir, "out-ab.json", "cells", cell, run.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.GetString(mustField(t, "momentum")); got != want {
			t.Errorf("%s recorded momentum %q, want %q", cell, got, want)
		}
	}
	for name, c := range map[string]struct{ axis, fixed, want string }{
		"nowhere": {`{"name":"lr","values":["0.1","0.01"]}`, `,"momentum":"0.9"`, "--momentum applies only to --optimizer sgd"},
		"range":   {`{"name":"optimizer","values":["adam","sgd"]}`, `,"momentum":"1.5"`, "--momentum must be in [0, 1)"},
	} {
		stderr, code := study(spec(name, c.axis, c.fixed))
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 saying %q:\n%s", name, code, c.want, stderr)
		}
	}
}

func mustField(t *testing.T, name string) run.Field {
	t.Helper()
	fd, ok := run.Lookup(name)
	if !ok {
		t.Fatalf("no setting %q", name)
	}
	return fd
}
