package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/urfave/cli/v2"

	"mnistgpu/engine"
	"mnistgpu/run"
	"mnistgpu/study"
)

// signalStop turns the first SIGINT, SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2
// into a stop request for training (Slurm sends SIGTERM before it preempts
// a job, SIGUSR1 or SIGUSR2 when asked to warn it before its time limit, a
// terminal SIGHUP when it closes or its ssh session drops; an epoch of the
// CNN can take minutes on a CPU): C is closed, training ends at the next
// step boundary with its state saved, and the command exits with the
// shell's code for that signal (130, 143, 129, 138, 140); once training
// has ended (trainingEnded) a first signal stops nothing, and says so. A second signal
// exits at once with its code; every file is written atomically, so none
// is left half written. A warning signal (SIGUSR1, SIGUSR2) never quits
// at once: it only asks for the stop again, as the job script of
// docs/study.md does when passing a warning on to a process that
// `scancel --full` signalled already. A process started with SIGHUP
// ignored (nohup) keeps ignoring it.
//
// While it watches, a write to a broken pipe fails instead of killing the
// process (SIGPIPE): under `mnistgpu train | tee log`, Ctrl-C ends tee too,
// and the stop's first line to the pipe killed the run before it saved. A
// pipe that breaks with no stop signal (`train 2>&1 | head`: its reader is
// done) is a stop request of its own, ending with SIGPIPE's code (141)
// once the state is saved: the run went on to its last epoch unseen and
// exited 0.
type signalStop struct {
	C        chan struct{}
	code     atomic.Int32
	sigs     chan os.Signal
	pipe     chan os.Signal // SIGPIPE: a write to stdout or stderr whose reader is gone
	done     chan struct{}
	stopOnce sync.Once
	once     sync.Once
	// mu orders a first signal against the end of training: signalled
	// is set by the first stop signal, ended once no step is left to stop
	// at (trainingEnded).
	mu        sync.Mutex
	signalled bool
	ended     bool
	// what finishes once training has ended: "run" (train) or "study"
	// (study run, whose cells have all ended).
	what string
}

// watchSignals starts a signalStop for what ("run" or "study"); release
// ends it.
func watchSignals(what string) *signalStop {
	s := &signalStop{C: make(chan struct{}), sigs: make(chan os.Signal, 2), pipe: make(chan os.Signal, 1), done: make(chan struct{}), what: what}
	stops := append([]os.Signal{syscall.SIGINT, syscall.SIGTERM}, warningSignals...)
	if !signal.Ignored(syscall.SIGHUP) { // Notify would undo nohup
		stops = append(stops, syscall.SIGHUP)
	}
	signal.Notify(s.sigs, stops...)
	signal.Notify(s.pipe, syscall.SIGPIPE)
	go s.watch()
	return s
}

// watch turns the first stop signal into a stop request and quits at the
// second; a broken pipe before any signal is a stop request too, which a
// signal after it does not count as its first.
func (s *signalStop) watch() {
	for {
		select {
		case <-s.done:
			return
		case <-s.pipe:
			if s.code.CompareAndSwap(0, int32(signalCode(syscall.SIGPIPE))) {
				s.stop()
			}
		case sig := <-s.sigs:
			s.signal(sig)
		}
	}
}

// signal answers a stop signal; the lock keeps trainingEnded from coming
// between what it finds and what it says.
func (s *signalStop) signal(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	warning := slices.Contains(warningSignals, sig)
	again := "send it again to quit at once"
	if warning {
		again = "SIGTERM or SIGINT quits at once"
	}
	switch {
	case s.ended && (!s.signalled || warning):
		fmt.Fprintf(logOut, "\nmnistgpu: %v: training has ended and %s saved; the %s finishes (%s)\n", sig, s.states(), s.what, again)
	case s.signalled && warning:
		fmt.Fprintf(logOut, "mnistgpu: %v again: the stop asked for goes on\n", sig)
	case s.signalled:
		fmt.Fprintf(logOut, "mnistgpu: %v again: quitting now; the state of the last completed save remains\n", sig)
		engine.RemoveTemporaries() // of a save in progress
		os.Exit(signalCode(sig))
	default:
		s.code.Store(int32(signalCode(sig)))
		fmt.Fprintf(logOut, "\nmnistgpu: %v: stopping at the next step boundary and saving the state (%s)\n", sig, again)
		s.stop()
	}
	s.signalled = true
}

// trainingEnded tells that training has no step left to stop at: the
// state after its last epoch is saved, and the run only finishes (final
// weights, test evaluation, result.json), or every cell of the study has
// ended and it only finishes (results.csv, its shard line). A first signal
// after it says so and stops nothing, the command ending with exit 0; one
// that came while the last step ran, too late for a step boundary, is told
// the same here.
func (s *signalStop) trainingEnded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	if s.signalled {
		fmt.Fprintf(logOut, "mnistgpu: training ended before the stop found a step boundary: %s saved, and the %s finishes\n", s.states(), s.what)
	}
}

// states names what is saved once training has ended: the run's state, or
// the state of every cell of the study.
func (s *signalStop) states() string {
	if s.what == "study" {
		return "every cell's state is"
	}
	return "its state is"
}

// stop closes C once.
func (s *signalStop) stop() { s.stopOnce.Do(func() { close(s.C) }) }

// release gives the stop signals back to their default handling. SIGPIPE
// stays caught once a stop was requested: the line saying where the run
// stopped, written to a pipe that Ctrl-C broke, would end the process as
// SIGPIPE (141) rather than with the stop's code. With no stop, a broken
// pipe ends the process again, as by default.
func (s *signalStop) release() {
	s.once.Do(func() {
		signal.Stop(s.sigs)
		if s.code.Load() == 0 {
			signal.Stop(s.pipe)
		}
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
	if code := int(s.code.Load()); err == nil && code == signalCode(syscall.SIGPIPE) {
		return cli.Exit("", code) // the run ended, but what it printed last went nowhere
	}
	return other(err)
}
