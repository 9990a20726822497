package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// (Paths are joined by hand here: filepath.Join would clean them.)
//
// A run's folder is one folder however it is spelled: x/../b is b, a link
// to b is b. A run (new or --resume) given such a spelling of a folder
// that another process trains in is refused naming that process, exit 2;
// and a spelling through a folder that does not exist makes no such
// folder (mkdir was given the path as typed: train --out nothere/../b, or
// --resume x/../b, left an empty nothere/ or x/ behind, refused or not;
// study run --out nothere/../s too).
func TestOneFolderHowEverSpelled(t *testing.T) {
	dir := t.TempDir()
	b := filepath.Join(dir, "b")
	train := startHolder(t, append([]string{"train", "--model", "mlp", "--train-limit", "300",
		"--epochs", "100000", "--out", b}, smallData...)...)
	link := filepath.Join(dir, "L")
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	pid := fmt.Sprintf("pid %d ", train.Process.Pid)
	nothere := filepath.Join(dir, "nothere")
	for _, out := range []string{link, nothere + "/../b", b + "/", b + "/sub/.."} {
		for _, args := range [][]string{
			append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out, "--overwrite"}, smallData...),
			{"train", "--resume", out, "--epochs", "3"},
		} {
			_, msg, code := output(t, args...)
			if code != 2 || !strings.Contains(msg, pid) || !strings.Contains(msg, "is in use") {
				t.Errorf("%v while %s trains in %s: exit %d, want 2 naming it:\n%s", args, pid, b, code, msg)
			}
		}
	}
	if _, err := os.Stat(nothere); err == nil {
		t.Errorf("a run given %s/../b made %s", nothere, nothere)
	}
	if _, err := os.Stat(filepath.Join(b, "sub")); err == nil {
		t.Errorf("a run given b/sub/.. made b/sub")
	}
	// A new run, refused for its data: it makes neither the folder of
	// its spelling nor its own.
	_, msg, code := output(t, "train", "--model", "mlp", "--epochs", "1", "--out", nothere+"/../new",
		"--data-dir", filepath.Join(dir, "nodata"), "--offline")
	if code != 2 {
		t.Errorf("a run without its data: exit %d\n%s", code, msg)
	}
	for _, d := range []string{nothere, filepath.Join(dir, "new")} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("a refused run given --out %s/../new made %s", nothere, d)
		}
	}
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	if _, msg, code := output(t, "study", "run", spec, "--out", nothere+"/../s", "--data-dir", small, "--no-verify"); code != 0 {
		t.Errorf("study run --out %s/../s: exit %d\n%s", nothere, code, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "s", "study.json")); err != nil {
		t.Errorf("study run --out %s/../s: %v", nothere, err)
	}
	if _, err := os.Stat(nothere); err == nil {
		t.Errorf("study run --out %s/../s made %s", nothere, nothere)
	}
}
