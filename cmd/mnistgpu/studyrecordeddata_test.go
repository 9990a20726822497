package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A study continued without a data folder (`study run STUDY --out S` again,
// a shard of it included) finds its data as a resumed run does: in the
// folder its cells recorded, while it holds MNIST, and else where a new
// study looks, saying so. It went to the user cache at once, and was refused
// ("trained on other data than cache …") when the cache held other data. A
// folder given (--data-dir, MNISTGPU_DATA) is read as given: not there, it
// is refused (exit 2) and the recorded one is not looked at.
func TestStudyContinuesOnItsRecordedData(t *testing.T) {
	dir := t.TempDir()
	data, out, cache := filepath.Join(dir, "data"), filepath.Join(dir, "study"), filepath.Join(dir, "cache")
	writeSubset(t, data, 300)
	writeSubset(t, filepath.Join(cache, "mnistgpu", "mnist"), 200) // other data
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],"fixed":{"model":"mlp","train-limit":"100"}}`), 0o644)
	studyRun := func(env string, args ...string) (string, int) {
		cmd := command(append([]string{"study", "run", spec, "--out", out, "--offline", "--no-verify"}, args...)...)
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+cache)
		if env != "" {
			cmd.Env = append(cmd.Env, "MNISTGPU_DATA="+env)
		}
		text, err := cmd.CombinedOutput()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
		return string(text), cmd.ProcessState.ExitCode()
	}
	epochs := func() (n [2]int) {
		for i, cell := range []string{"optimizer=sgd,seed=1", "optimizer=adam,seed=1"} {
			n[i] = readResult(t, filepath.Join(out, "cells", cell)).Epochs
		}
		return n
	}
	if text, code := studyRun("", "--epochs", "1", "--data-dir", data); code != 0 {
		t.Fatalf("exit %d\n%s", code, text)
	}
	text, code := studyRun("", "--epochs", "2", "--shard", "2/2")
	if code != 0 || !strings.Contains(text, "from data dir "+data+"\n") || strings.Contains(text, "elsewhere") {
		t.Fatalf("continued without --data-dir: exit %d\n%s", code, text)
	}
	if n := epochs(); n != [2]int{1, 2} {
		t.Fatalf("epochs of the cells after shard 2/2 was continued: %v", n)
	}
	missing := filepath.Join(dir, "nowhere")
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--data-dir", missing}, "--data-dir " + missing + ": no such folder\n"},
		{missing, nil, "--data-dir " + missing + ": no such folder (--data-dir was given by the environment: MNISTGPU_DATA=" + missing + ")"},
	} {
		text, code := studyRun(c.env, append([]string{"--epochs", "3"}, c.args...)...)
		if code != 2 || !strings.Contains(text, c.want) || strings.Contains(text, "elsewhere") {
			t.Errorf("MNISTGPU_DATA=%s %v: exit %d, want 2 and %q:\n%s", c.env, c.args, code, c.want, text)
		}
	}
	// The recorded folder gone, the cache holding the cells' data.
	os.RemoveAll(data)
	writeSubset(t, filepath.Join(cache, "mnistgpu", "mnist"), 300)
	text, code = studyRun("", "--epochs", "3")
	if code != 0 || !strings.Contains(text, data+" holds no MNIST now; looking for the study's data elsewhere\n") || !strings.Contains(text, "images from cache ") {
		t.Fatalf("continued with its recorded folder gone: exit %d\n%s", code, text)
	}
	if n := epochs(); n != [2]int{3, 3} {
		t.Errorf("epochs of the cells: %v", n)
	}
}
