//go:build !windows

package main

import (
	"os"

	"golang.org/x/term"
)

// vtTerminal reports whether f is a terminal, which takes the ANSI cursor
// sequences of study's live display.
func vtTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
