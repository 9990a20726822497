package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mnistgpu/run"
)

// TestKilledWritersTemporariesAreRemovedByTheNext: a run SIGKILLed while it
// saves leaves the temporary it was writing (up to a state's size) in its
// folder; it stayed for good. The next run holding the folder's lock (here
// --resume; a new run and --overwrite go through the same code) removes it
// and says so in one line; so does a run holding a --save-weights path's
// lock for that file's temporaries beside it. A user's hidden file named
// like a temporary of a file no run writes, a user's copy of a run's file
// named by hand (".history.csv.tmpold"), and another file's temporary
// beside the weights, stay, and so does a temporary of curves.png: `plot`
// writes it without the folder's lock, and a --resume removed a live plot's.
func TestKilledWritersTemporariesAreRemovedByTheNext(t *testing.T) {
	dir := t.TempDir()
	model, elsewhere := filepath.Join(dir, "wide.json"), filepath.Join(dir, "weights")
	os.Mkdir(elsewhere, 0o755)
	weights := filepath.Join(elsewhere, "final.safetensors")
	os.WriteFile(model, []byte(`{"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"},
  {"type": "Dense", "units": 4000, "activation": "relu"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}`), 0o644)
	var out string
	var left []string
	// A kill can land just after the rename it raced: then a new folder.
	for attempt := 0; len(left) == 0; attempt++ {
		if attempt == 3 {
			t.Fatal("three SIGKILLs during a save left no temporary")
		}
		out = filepath.Join(dir, "run"+strings.Repeat("x", attempt))
		cmd, pipe, sc, stderr := startReadingStderr(t, "train", "--model", model, "--data-dir", small, "--no-verify", "--quiet", "--out", out,
			"--epochs", "2", "--batch-size", "8", "--train-limit", "400", "--save-weights", weights)
		for sc.Scan() && !strings.Contains(sc.Text(), "Epoch 2/2") { // epoch 1's state is saved
		}
		ended := make(chan struct{})
		go func() { io.Copy(stderr, pipe); cmd.Wait(); close(ended) }()
		for killed := false; !killed; time.Sleep(time.Millisecond) {
			select {
			case <-ended:
				t.Fatalf("the run ended before a temporary was seen:\n%s", stderr.String())
			default:
			}
			if tmp, _ := filepath.Glob(filepath.Join(out, ".*.tmp*")); len(tmp) > 0 {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
		<-ended
		left, _ = filepath.Glob(filepath.Join(out, ".*.tmp*"))
	}
	mine := filepath.Join(out, ".notes.txt.tmp1111111111")
	myCopy := filepath.Join(out, ".history.csv.tmpold")               // a user's copy, named by hand
	plotting := filepath.Join(out, "."+run.PlotFile+".tmp7777777777") // plot writes without the lock
	deadWeights, other := filepath.Join(elsewhere, ".final.safetensors.tmp5555555555"), filepath.Join(elsewhere, ".other.safetensors.tmp1111111111")
	for _, p := range []string{mine, myCopy, plotting, deadWeights, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}

	_, stderr, code := output(t, "train", "--resume", out, "--quiet", "--save-weights", weights)
	if code != 0 {
		t.Fatalf("--resume after the kill: exit %d:\n%s", code, stderr)
	}
	var said []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "removed ") {
			said = append(said, line)
		}
	}
	if len(said) != 2 || !strings.Contains(said[0], "from "+elsewhere+" (.final.safetensors.tmp5555555555)") || !strings.Contains(said[1], "from "+out+" (") {
		t.Fatalf("want one line for the weights' folder, one for the run's; got %q", said)
	}
	for _, p := range left {
		if !strings.Contains(said[1], filepath.Base(p)) {
			t.Errorf("%s removed unsaid: %q", filepath.Base(p), said[1])
		}
	}
	for _, p := range append(slices.Clone(left), deadWeights) {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range []string{mine, myCopy, plotting, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, not a temporary of the run's, was removed", p)
		}
	}
	if _, err := os.Stat(filepath.Join(out, run.ResultFile)); err != nil {
		t.Errorf("the resumed run did not finish: %v", err)
	}
}
