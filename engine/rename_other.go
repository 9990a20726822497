//go:build !windows

package engine

import "os"

// replaceFile is os.Rename: rename(2) replaces the name atomically, open
// readers of the old file keep reading it.
func replaceFile(from, to string) error { return os.Rename(from, to) }
