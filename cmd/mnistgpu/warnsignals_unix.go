//go:build unix

package main

import (
	"os"
	"syscall"
)

// warningSignals stop training as SIGTERM does, with the state saved
// (exit 138 or 140). They are what a batch system sends to warn a job
// before its time limit (Slurm's `--signal=USR1@60`, PyTorch Lightning's
// requeue on SIGUSR1): the Go runtime ignored them, so the warning was
// lost and the TERM at the time limit, KillWait seconds before SIGKILL,
// was the only chance to save.
var warningSignals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2}
