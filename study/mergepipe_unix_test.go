//go:build unix

package study

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mnistgpu/run"
)

// TestMergeRefusesAPipeForAResult: a shard cell whose result.json is a
// named pipe is refused naming it; merge read it with os.ReadFile, which
// opened the pipe and waited for a writer for ever. (The merge is given a
// minute, so that a hang fails the test instead of hanging it.)
func TestMergeRefusesAPipeForAResult(t *testing.T) {
	shard := filepath.Join(t.TempDir(), "shard")
	if err := Run(optimizerStudy("p"), shard, run.Default(), Options{Shard: Shard{1, 2}, Jobs: 1, Data: smallData(t)}); err != nil {
		t.Fatal(err)
	}
	results, _ := filepath.Glob(filepath.Join(shard, "cells", "*", run.ResultFile))
	if len(results) == 0 {
		t.Fatal("the shard has no cell with a result")
	}
	os.Remove(results[0])
	if err := syscall.Mkfifo(results[0], 0o666); err != nil {
		t.Skip("no named pipes here:", err)
	}
	mergeRefused(t, filepath.Join(t.TempDir(), "merged"), shard, results[0]+": a named pipe")

	// So is an --out whose study.json is a named pipe.
	os.Remove(results[0])
	out := t.TempDir()
	pipe := filepath.Join(out, "study.json")
	syscall.Mkfifo(pipe, 0o666)
	mergeRefused(t, out, shard, pipe+": it is a named pipe")
}

// mergeRefused merges shard into out and wants an error saying want, within
// a minute.
func mergeRefused(t *testing.T, out, shard, want string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Merge(out, []string{shard}, io.Discard) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("merge into %s: %v, want it refused saying %q", out, err, want)
		}
	case <-time.After(time.Minute):
		t.Fatalf("merge into %s still waited after a minute, reading a named pipe", out)
	}
}
