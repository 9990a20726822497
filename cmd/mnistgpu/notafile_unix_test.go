//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// TestRunFolderWithAPipeForItsRecord: an --out folder whose config.json is
// a named pipe is refused at once, exit 2, as a folder holding what no run
// writes (a run writes files), naming it; its
// record was read with os.ReadFile, which opened the pipe and waited for a
// writer for ever. (A process, so that a hang fails the test instead of
// hanging it: it is killed after a minute.)
func TestRunFolderWithAPipeForItsRecord(t *testing.T) {
	out := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(out, "config.json"), 0o666); err != nil {
		t.Skip("no named pipes here:", err)
	}
	cmd := command("train", "--model", "mlp", "--epochs", "1", "--data-dir", small, "--no-verify", "--train-limit", "100", "--out", out)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("train --out with a pipe for config.json still waited after a minute:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(stderr.String(), "holds files no run writes (config.json (a named pipe))") {
		t.Errorf("exit %d, want 2 refusing the folder:\n%s", code, stderr.String())
	}
}
