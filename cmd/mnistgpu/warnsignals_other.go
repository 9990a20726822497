//go:build !unix

package main

import "os"

// warningSignals: no SIGUSR1 or SIGUSR2 here (warnsignals_unix.go).
var warningSignals []os.Signal
