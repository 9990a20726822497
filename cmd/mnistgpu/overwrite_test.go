package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --overwrite checks everything and loads the data before it removes the
// old run, and then removes only the files a run writes (issue 22, item 2).
// A folder that also holds a user's file is refused, with --overwrite too
// (exit 2, naming the file), and nothing in it changes: the new run went
// in beside the user's file; a folder holding only a user's weights file
// is no run's, and refused likewise (TestOutWithOtherFilesIsRefused).
func TestOverwriteChecksFirstAndKeepsUsersFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	args := append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)
	if err := cliRun(append(args, "--checkpoint", "old-{epoch}.safetensors", "--save-best-only=false")...); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)
	cnn := filepath.Join(dir, "cnn.safetensors")
	if err := cliRun("train", "--model", "cnn", "--train-limit", "100", "--epochs", "1", "--data-dir", small, "--no-verify", "--quiet",
		"--out", filepath.Join(dir, "cnn"), "--save-weights", cnn); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"--data-dir", filepath.Join(dir, "nowhere")},
		{"--init-weights", filepath.Join(dir, "typo.safetensors")},
		{"--init-weights", cnn}, // another model's weights
		{"--model", filepath.Join(dir, "no-model.json")},
		{"--checkpoint", "w-{val_acc:.2f}.safetensors"},  // Keras 1's name: failed after epoch 1
		{"--checkpoint", "w-{val_loss:02d}.safetensors"}, // 'd' for a float, which Python refuses: failed after epoch 1
	} {
		if err := cliRun(append(append(args, "--overwrite"), bad...)...); err == nil {
			t.Errorf("--overwrite %v succeeded", bad)
		}
		sameFiles(t, "--overwrite "+strings.Join(bad, " "), before, snapshot(t, out))
	}

	os.WriteFile(filepath.Join(out, "mybackup.safetensors"), []byte("mine"), 0o644)
	withMine := snapshot(t, out)
	err := cliRun(append(args, "--overwrite", "--seed", "2")...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--out "+out+" holds files no run writes (mybackup.safetensors)") {
		t.Errorf("--overwrite beside a user's file: %v, want exit 2 naming it", err)
	}
	sameFiles(t, "--overwrite beside a user's file", withMine, snapshot(t, out))
	os.Remove(filepath.Join(out, "mybackup.safetensors"))

	if err := cliRun(append(args, "--overwrite", "--seed", "2")...); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "old-1.safetensors")); err == nil {
		t.Error("--overwrite kept the old run's checkpoint (its template was old-{epoch})")
	}

	// A folder holding only a user's weights file holds no run, and is no
	// run's folder either.
	mine := filepath.Join(dir, "mine")
	os.MkdirAll(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "mybackup.safetensors"), []byte("mine"), 0o644)
	for _, more := range [][]string{nil, {"--overwrite"}} {
		err := cliRun(append(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", mine}, smallData...), more...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "(mybackup.safetensors)") {
			t.Errorf("a folder with a user's .safetensors file %v: %v, want exit 2 naming it", more, err)
		}
		sameFiles(t, "a folder with a user's .safetensors file", map[string]string{"mybackup.safetensors": "mine"}, snapshot(t, mine))
	}
}

// Every file a run writes stays in --out: a checkpoint template that climbs
// out of it or is absolute is refused before anything runs, for a run and
// for a study's cells; so is an empty --out (issue 22, item 6).
func TestOutputsStayInsideOut(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "a", "b")
	// A data folder that is not there: the refusal must come first.
	args := []string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline"}
	for _, tmpl := range []string{"../../x-{epoch}.safetensors", filepath.Join(dir, "x-{epoch}.safetensors"), "ok/../../x.safetensors"} {
		err := cliRun(append(args, "--out", out, "--checkpoint", tmpl)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--checkpoint") {
			t.Errorf("--checkpoint %s: %v, want exit 2 naming --checkpoint", tmpl, err)
		}
	}
	err := cliRun(append(args, "--out", "")...)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--out") {
		t.Errorf("--out \"\": %v, want exit 2 naming --out", err)
	}
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],
		"fixed":{"model":"mlp","epochs":"1","checkpoint":"../../x-{epoch}.safetensors"}}`), 0o644)
	_, msg, code := output(t, "study", "run", spec, "--out", out, "--data-dir", small, "--no-verify")
	if code != 2 || !strings.Contains(msg, "--checkpoint") {
		t.Errorf("a study whose cells' checkpoints leave their folders: exit %d\n%s", code, msg)
	}
	if err := cliRun("study", "run", spec, "--out", "", "--data-dir", filepath.Join(dir, "nowhere"), "--offline"); exitCode(err) != 2 {
		t.Errorf("study run --out \"\": %v, want exit 2", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refused commands wrote %v", entries)
	}
}
