//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// TestSignalAfterTrainingSaysTheRunFinishes: a SIGTERM sent once training
// has ended (its final weights written, its summary not yet printed) said
// "stopping at the next step boundary and saving the state", and the run
// finished with exit 0. It says that training has ended with its state
// saved and that the run finishes, which it does: exit 0, result.json
// written, the state the finished run's.
//
// The moment is held without timing: the run's stdout is a pipe already
// full, so its first write (the summary, after the final weights) waits
// until the test reads it, which it does once the line is said.
func TestSignalAfterTrainingSaysTheRunFinishes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	r, w := fullPipe(t)
	defer r.Close()
	cmd := command("train", "--model", "mlp", "--data-dir", small, "--no-verify", "--quiet", "--out", out,
		"--epochs", "2", "--train-limit", "100")
	cmd.Stdout = w
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// A run that wrote to stdout before its final weights would wait on the
	// full pipe for ever: the test gives up after a minute, draining it.
	giveUp := time.After(time.Minute)
	waitFor := func(what string, done func() bool) {
		for !done() {
			if strings.Contains(stderr.String(), "stopping at the next step boundary") {
				io.Copy(io.Discard, r)
				t.Fatalf("a stop promised after training ended:\n%s", stderr.String())
			}
			select {
			case <-exited:
				t.Fatalf("exited before %s:\n%s", what, stderr.String())
			case <-giveUp:
				go io.Copy(io.Discard, r)
				t.Fatalf("no %s after a minute (a write to stdout before it waits on the full pipe):\n%s", what, stderr.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	waitFor("its final weights", func() bool { _, err := os.Stat(filepath.Join(out, run.FinalFile)); return err == nil })
	cmd.Process.Signal(syscall.SIGTERM)
	said := "terminated: training has ended and its state is saved; the run finishes"
	waitFor("saying "+said, func() bool { return strings.Contains(stderr.String(), said) })
	io.Copy(io.Discard, r)
	<-exited
	if code := cmd.ProcessState.ExitCode(); code != 0 || strings.Contains(stderr.String(), "stopping at the next step boundary") {
		t.Fatalf("exit %d, want 0 with no stop promised:\n%s", code, stderr.String())
	}
	if _, err := run.ReadResult(out); err != nil {
		t.Errorf("no result of the finished run: %v", err)
	}
	if ck, err := engine.LoadTrainCheckpoint(filepath.Join(out, run.StateFile)); err != nil || ck.NextEpoch != 2 || ck.EpochStep != 0 {
		t.Errorf("state %+v, %v: want the one after epoch 2", ck, err)
	}
}

// fullPipe is a pipe whose buffer is full: a write to w waits until r is
// read.
func fullPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fds[1], true); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{4096, 1} { // a write of up to 4096 bytes goes in whole or not at all
		for {
			if _, err := syscall.Write(fds[1], make([]byte, size)); errors.Is(err, syscall.EAGAIN) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := syscall.SetNonblock(fds[1], false); err != nil {
		t.Fatal(err)
	}
	return os.NewFile(uintptr(fds[0]), "stdout-r"), os.NewFile(uintptr(fds[1]), "stdout-w")
}

// lockedBuffer is a bytes.Buffer that a process's output is copied into
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
