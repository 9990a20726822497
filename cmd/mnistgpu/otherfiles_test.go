package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestOutWithOtherFilesIsRefused: --out naming a folder of a user's own
// files (notes, a data set, photos) is refused, exit 2, naming the folder
// and some of them, with --overwrite too, and nothing in it changes: a run
// went in among them, and --overwrite, which replaces a run, mixed the new
// one with them. An empty folder takes a run.
func TestOutWithOtherFilesIsRefused(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine")
	for name, text := range map[string]string{"notes.txt": "mine", "data.csv": "1,2", "photos/cat.jpg": "jpeg"} {
		p := filepath.Join(mine, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := tree(t, mine)
	args := func(out string, more ...string) []string {
		return append(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...), more...)
	}
	for _, overwrite := range []bool{false, true} {
		a := args(mine)
		if overwrite {
			a = args(mine, "--overwrite")
		}
		err := cliRun(a...)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		for _, want := range []string{"--out " + mine + " holds files no run writes (data.csv, notes.txt, photos/)", "choose an empty or new --out"} {
			if exitCode(err) != 2 || !strings.Contains(msg, want) {
				t.Errorf("--overwrite %v: %v, want exit 2 saying %q", overwrite, err, want)
			}
		}
		if overwrite != strings.Contains(msg, "removed nothing") {
			t.Errorf("--overwrite %v: %s", overwrite, msg)
		}
		sameFiles(t, "a folder of other files", before, tree(t, mine))
	}

	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if err := cliRun(args(empty)...); err != nil {
		t.Fatalf("an empty folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, run.ResultFile)); err != nil {
		t.Error(err)
	}
}

// tree is every file below dir, by its '/' path, with its contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(mustRead(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
