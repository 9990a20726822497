package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
	"mnistgpu/study"
)

// signalStop turns the first SIGINT, SIGTERM or SIGHUP into a stop request
// for training (Slurm sends SIGTERM before it preempts a job, a terminal
// SIGHUP when it closes or its ssh session drops; an epoch of the CNN can
// take minutes on a CPU): C is closed, training ends at the next step
// boundary with its state saved, and the command exits with the shell's
// code for that signal (130, 143, 129). A second signal exits at once with
// its code; every file is written atomically, so none is left half
// written. A process started with SIGHUP ignored (nohup) keeps ignoring it.
//
// While it watches, a write to a broken pipe fails instead of killing the
// process (SIGPIPE): under `mnistgpu train | tee log`, Ctrl-C ends tee too,
// and the stop's first line to the pipe killed the run before it saved.
type signalStop struct {
	C    chan struct{}
	code atomic.Int32
	sigs chan os.Signal
	pipe chan os.Signal // SIGPIPE, never read, until the process ends
	done chan struct{}
	once sync.Once
}

// watchSignals starts a signalStop; release ends it.
func watchSignals() *signalStop {
	s := &signalStop{C: make(chan struct{}), sigs: make(chan os.Signal, 2), pipe: make(chan os.Signal, 1), done: make(chan struct{})}
	stops := []os.Signal{syscall.SIGINT, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) { // Notify would undo nohup
		stops = append(stops, syscall.SIGHUP)
	}
	signal.Notify(s.sigs, stops...)
	signal.Notify(s.pipe, syscall.SIGPIPE)
	go func() {
		var sig os.Signal
		select {
		case sig = <-s.sigs:
		case <-s.done:
			return
		}
		s.code.Store(int32(signalCode(sig)))
		fmt.Fprintf(logOut, "\nmnistgpu: %v: stopping at the next step boundary and saving the state (send it again to quit at once)\n", sig)
		close(s.C)
		select {
		case sig = <-s.sigs:
		case <-s.done:
			return
		}
		fmt.Fprintf(logOut, "mnistgpu: %v again: quitting now; the state of the last completed save remains\n", sig)
		engine.RemoveTemporaries() // of a save in progress
		os.Exit(signalCode(sig))
	}()
	return s
}

// release gives the stop signals back to their default handling. SIGPIPE
// stays caught: the line saying where the run stopped, written to a pipe
// that Ctrl-C broke, would end the process as SIGPIPE (141) rather than
// with the stop's code.
func (s *signalStop) release() {
	s.once.Do(func() {
		signal.Stop(s.sigs)
		close(s.done)
	})
}

// signalCode is the exit code a shell reports for a process killed by sig.
func signalCode(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

// exit returns err as the command's result: a run
// or study stopped by a signal prints where it stopped and how to continue,
// and exits with the signal's code; anything else goes through other
// (cliError, studyError).
func (s *signalStop) exit(err error, other func(error) error) error {
	var rs *run.StoppedError
	var ss *study.StoppedError
	if errors.As(err, &rs) || errors.As(err, &ss) {
		code := int(s.code.Load())
		if code == 0 {
			code = 1 // stopped without a signal: not this process's doing
		}
		return cli.Exit(err.Error(), code)
	}
	return other(err)
}
