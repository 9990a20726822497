package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study --out that cannot be made or written (a name no file system
// takes, a read-only folder) is refused as train's --out is, exit 2
// naming the flag, before the data is read and by a dry run too: `study
// run` exited 1 with stat's or mkdir's error once it went to write, and
// `study merge` with open's.
func TestUnusableStudyFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	if err := os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"1"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	nowhere := filepath.Join(dir, "nowhere") // no data: reading it would fail, exit 1
	outs := []string{filepath.Join(dir, strings.Repeat("s", 300)), filepath.Join(dir, "new", strings.Repeat("s", 300), "study")}
	if os.Getuid() != 0 {
		readOnly := filepath.Join(dir, "ro")
		os.Mkdir(readOnly, 0o555)
		defer os.Chmod(readOnly, 0o755)
		outs = append(outs, readOnly, filepath.Join(readOnly, "study"))
	}
	for _, out := range outs {
		for _, args := range [][]string{
			{"study", "run", spec, "--out", out, "--data-dir", nowhere, "--offline"},
			{"study", "run", spec, "--out", out, "--data-dir", nowhere, "--offline", "--dry-run"},
			{"study", "merge", "--out", out, filepath.Join(dir, "shard")},
		} {
			err := cliRun(args...)
			if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--out "+out+": the study's folder cannot be made or written there: ") {
				t.Errorf("%s %s --out %.60s…: %v; want exit 2 naming --out", args[0], args[1], out, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("a folder of --out was made")
	}
}
