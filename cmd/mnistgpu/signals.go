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

// signalStop turns the first SIGINT or SIGTERM into a stop request for
// training (Slurm sends SIGTERM before it preempts a job; an epoch of the
// CNN can take minutes on a CPU): C is closed, training ends at the next
// step boundary with its state saved, and the command exits with the
// shell's code for that signal (130, 143). A second signal exits at once
// with its code; every file is written atomically, so none is left half
// written.
type signalStop struct {
	C    chan struct{}
	code atomic.Int32
	sigs chan os.Signal
	done chan struct{}
	once sync.Once
}

// watchSignals starts a signalStop; release ends it.
func watchSignals() *signalStop {
	s := &signalStop{C: make(chan struct{}), sigs: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(s.sigs, syscall.SIGINT, syscall.SIGTERM)
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

// release gives the signals back to their default handling.
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
