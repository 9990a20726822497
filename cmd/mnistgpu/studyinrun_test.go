package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// A study's files never go among a run's: `study run --out` and `study
// merge --out` naming a run's folder, a folder inside it, or (however
// spelled: with .., through a link) the checkpoint folder its config.json
// records are refused before anything is written, exit 2, naming --out and
// the run. They were accepted inside the run's folder, and a study in its
// checkpoint folder went where that run's --keep-last removes files.
func TestStudyNeverGoesInsideARun(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "A")
	trainWithCheckpointFolder(t, a)
	link := filepath.Join(dir, "L")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","train-limit":"300"}}`), 0o644)
	ckpt := filepath.Join(a, "ckpt")
	before := treeSnapshot(t, a)
	for _, c := range []struct{ out, says string }{
		{a, "holds a run (" + run.StateFile + ")"},
		{ckpt, "checkpoint folder of the run in " + a},
		{filepath.Join(ckpt, "s"), "checkpoint folder of the run in " + a},
		{filepath.Join(dir, "B", "..", "A", "ckpt"), "checkpoint folder of the run in " + a},
		{filepath.Join(link, "ckpt"), "checkpoint folder of the run in "},
	} {
		for _, args := range [][]string{
			{"study", "run", spec, "--out", c.out, "--data-dir", small, "--no-verify"},
			{"study", "merge", "--out", c.out, filepath.Join(dir, "shard1"), filepath.Join(dir, "shard2")},
		} {
			_, msg, code := output(t, args...)
			if code != 2 || !strings.Contains(msg, "--out "+c.out) || !strings.Contains(msg, c.says) {
				t.Errorf("%s %s --out %s: exit %d, want 2 naming --out and saying %q:\n%s", args[0], args[1], c.out, code, c.says, msg)
			}
		}
	}
	after := treeSnapshot(t, a)
	delete(before, run.LockFile)
	delete(after, run.LockFile)
	sameFiles(t, "the run a study was refused in", before, after)
	// A folder below a run's that is not its checkpoint folder is nobody's
	// (train --out A/sub takes a run): train --out experiments, then study
	// run --out experiments/sweep1, was refused; so below a run a process
	// trains (its config.json alone, its lock held).
	for _, sub := range []string{filepath.Join(a, "sweep1"), filepath.Join(a, "sub", "deeper"), filepath.Join(link, "sweep2")} {
		if _, msg, code := output(t, "study", "run", spec, "--out", sub, "--data-dir", small, "--no-verify"); code != 0 {
			t.Errorf("study run --out %s below a run's folder: exit %d\n%s", sub, code, msg)
		}
	}
	live := filepath.Join(dir, "live")
	os.Mkdir(live, 0o777)
	os.WriteFile(filepath.Join(live, run.ConfigFile), mustRead(t, filepath.Join(a, run.ConfigFile)), 0o644)
	holder := holdLock(t, live, "train", "--out", live)
	if _, msg, code := output(t, "study", "run", spec, "--out", filepath.Join(live, "s"), "--data-dir", small, "--no-verify", "--dry-run"); code != 0 {
		t.Errorf("study run below the folder of a run a process trains: exit %d\n%s", code, msg)
	}
	kill(t, holder)
	// Below a study's cell, which its study trains again among whatever
	// is there (a cell holding other files fails), a study is refused.
	cell := filepath.Join(dir, "S", "cells", "optimizer=sgd,seed=1")
	defer func() {
		sub := filepath.Join(cell, "sub")
		_, msg, code := output(t, "study", "run", spec, "--out", sub, "--data-dir", small, "--no-verify")
		if code != 2 || !strings.Contains(msg, "--out "+sub+" is inside "+cell+", which holds a run") {
			t.Errorf("study run below a study's cell: exit %d, want 2 naming the cell:\n%s", code, msg)
		}
	}()
	// Beside the run, not in it: a study as usual.
	if _, msg, code := output(t, "study", "run", spec, "--out", filepath.Join(dir, "S"), "--data-dir", small, "--no-verify"); code != 0 {
		t.Errorf("a study beside a run: exit %d\n%s", code, msg)
	}
}

// treeSnapshot is every file below dir (by its path there) with its
// contents, and every folder (as "folder").
func treeSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel] = "folder"
		} else {
			out[rel] = string(mustRead(t, p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
