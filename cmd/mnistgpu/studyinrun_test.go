package main

import (
	"fmt"
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
	if err := cliRun(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", a,
		"--checkpoint", "ckpt/{epoch}.safetensors", "--save-best-only=false"}, smallData...)...); err != nil {
		t.Fatal(err)
	}
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
		{filepath.Join(a, "sub"), "inside " + a + ", which holds a run"},
		{filepath.Join(a, "sub", "deeper"), "inside " + a + ", which holds a run"},
		{ckpt, "checkpoint folder of the run in " + a},
		{filepath.Join(ckpt, "s"), "checkpoint folder of the run in " + a},
		{filepath.Join(dir, "B", "..", "A", "ckpt"), "checkpoint folder of the run in " + a},
		{filepath.Join(link, "sub"), "which holds a run"},
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
	// A run before its first state (its config.json alone) that a
	// process trains: a study below it is refused naming the process; with
	// nobody holding it, a config.json alone may be a user's --config file,
	// and a study below it goes on.
	live := filepath.Join(dir, "live")
	os.Mkdir(live, 0o777)
	os.WriteFile(filepath.Join(live, run.ConfigFile), mustRead(t, filepath.Join(a, run.ConfigFile)), 0o644)
	holder := holdLock(t, live, "train", "--out", live)
	pid := fmt.Sprintf("pid %d ", holder.Process.Pid)
	_, msg, code := output(t, "study", "run", spec, "--out", filepath.Join(live, "s"), "--data-dir", small, "--no-verify", "--dry-run")
	if code != 2 || !strings.Contains(msg, "inside "+live) || !strings.Contains(msg, pid) {
		t.Errorf("study run inside the folder of a run %s trains: exit %d, want 2 naming it:\n%s", pid, code, msg)
	}
	kill(t, holder)
	if _, msg, code := output(t, "study", "run", spec, "--out", filepath.Join(live, "s"), "--data-dir", small, "--no-verify", "--dry-run"); code != 0 {
		t.Errorf("study run below a config.json nobody trains: exit %d\n%s", code, msg)
	}
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
