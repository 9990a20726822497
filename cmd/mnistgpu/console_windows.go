//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// vtTerminal reports whether f is a console that takes the ANSI cursor
// sequences of study's live display. Windows consoles take them only with
// ENABLE_VIRTUAL_TERMINAL_PROCESSING (Windows 10 and later), which Go does
// not set: it is turned on here; a console that refuses it gets the plain
// line log, not escape codes printed as text.
func vtTerminal(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false
	}
	return mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 ||
		windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
