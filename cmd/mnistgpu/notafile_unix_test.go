//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputsThatAreNoFileAreRefused: `plot --out` and `train
// --save-weights` naming a named pipe (as /dev/null names a device, and
// /dev/stdout a link to the terminal or a pipe) are refused by flag, exit
// 2, before anything runs, and the pipe stays a pipe. Its file was renamed
// over it: as root, `plot --out /dev/null` replaced the system's /dev/null
// with a PNG, and `--save-weights /dev/null` did so after training.
func TestOutputsThatAreNoFileAreRefused(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o666); err != nil {
		t.Skip("no named pipes here:", err)
	}
	history := filepath.Join(dir, "history.json")
	os.WriteFile(history, []byte(`{"epoch":[0],"history":{"loss":[0.5],"accuracy":[0.8]},"seconds":[1]}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", history, "--out", pipe}, "--out " + pipe + " is a named pipe"},
		{[]string{"train", "--model", "mlp", "--epochs", "1", "--data-dir", filepath.Join(dir, "nowhere"), "--offline",
			"--out", filepath.Join(dir, "run"), "--save-weights", pipe}, "--save-weights " + pipe + " is a named pipe"},
	} {
		err := cliRun(c.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit code 2 and %q", c.args, err, c.want)
		}
	}
	if st, err := os.Lstat(pipe); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is now %v (%v)", st.Mode(), err)
	}
}
