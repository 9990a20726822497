//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Outputs honour the umask (files 0666 and folders 0777 less it), and a
// resume keeps the mode a user gave a file (issue 22, item 6).
func TestOutputModesFollowTheUmask(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	// The umask is set in a shell around the command: changing this test
	// process's own would change it for every test beside it.
	umask002 := func(args ...string) {
		t.Helper()
		cmd := exec.Command("sh", append([]string{"-c", `umask 002 && exec "$0" "$@"`, os.Args[0]}, args...)...)
		cmd.Env = command().Env
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, msg)
		}
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	umask002(append([]string{"train", "--model", "mlp", "--train-limit", "300", "--epochs", "1", "--out", out}, smallData...)...)
	if got := mode(out); got != 0o775 {
		t.Errorf("--out folder under umask 002: %03o, want 775", got)
	}
	for _, name := range []string{"state.safetensors", "final.safetensors", "history.csv", "result.json", "config.json"} {
		if got := mode(filepath.Join(out, name)); got != 0o664 {
			t.Errorf("%s under umask 002: %03o, want 664", name, got)
		}
	}
	state := filepath.Join(out, "state.safetensors")
	if err := os.Chmod(state, 0o600); err != nil {
		t.Fatal(err)
	}
	umask002("train", "--resume", out, "--epochs", "2", "--quiet")
	if got := mode(state); got != 0o600 {
		t.Errorf("state.safetensors made 0600 is %03o after a resume replaced it", got)
	}
}
