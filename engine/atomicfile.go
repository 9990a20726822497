package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// WriteFileAtomic writes data produced by fill to path via a temporary file in
// the same folder, fsyncs it and renames it into place, so a crash leaves
// either the old file or the new one, never half of one. Every output of
// mnistgpu (weights, state, history, results, reports, MNIST's cached files)
// is written through it.
//
// A new file is created 0666 and the umask decides, as other tools make
// their output (os.CreateTemp's 0600 would hide results from other users; a
// fixed 0644 would ignore a group-writable umask). A file that is replaced
// keeps its mode: a user who made a state file 0600 keeps it so across a
// resume.
//
// What path names must be a regular file or nothing: a device, a pipe or
// a folder there is refused (see NotAFile), never replaced.
func WriteFileAtomic(path string, fill func(io.Writer) error) (err error) {
	if kind := NotAFile(path); kind != "" {
		return fmt.Errorf("write %s: it is %s, not a file, and is not replaced", path, kind)
	}
	dir := filepath.Dir(path)
	f, err := newTemporary(dir, "."+filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer temporaries.forget(f.Name())
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if old, serr := os.Stat(path); serr == nil && old.Mode().IsRegular() {
		if err = f.Chmod(old.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err = fill(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = replaceFile(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// TemporaryNameExtra is how many bytes the temporary file of
// WriteFileAtomic adds to the name of the file it writes: "." before it,
// ".tmp" and up to 13 base-36 digits (a uint64) after it. A file it writes
// has a name that much shorter than a file system takes.
const TemporaryNameExtra = len(".") + len(".tmp") + 13

// temporaries are the temporary files of the WriteFileAtomic calls in
// progress (see RemoveTemporaries).
var temporaries = temporaryFiles{names: map[string]bool{}}

type temporaryFiles struct {
	sync.Mutex
	names    map[string]bool
	quitting bool // RemoveTemporaries has run: no new one is made
}

// RemoveTemporaries removes the temporary files of the writes in progress
// and makes every later write fail before it creates one. A process that
// ends at once (os.Exit runs no deferred call: a second Ctrl-C during a
// save) calls it first; the temporary it was writing, up to a state's
// size, stayed beside the file it was to replace, and no later run
// removed it.
func RemoveTemporaries() {
	temporaries.Lock()
	defer temporaries.Unlock()
	temporaries.quitting = true
	for name := range temporaries.names {
		os.Remove(name)
	}
}

// newTemporary creates a temporary file for WriteFileAtomic (0666 less the
// umask) and records it until forget.
func newTemporary(dir, prefix string) (*os.File, error) {
	temporaries.Lock()
	defer temporaries.Unlock()
	if temporaries.quitting {
		return nil, errors.New("the process is quitting")
	}
	f, err := createTemp(dir, prefix, 0o666)
	if err == nil {
		temporaries.names[f.Name()] = true
	}
	return f, err
}

// forget drops a temporary file renamed into place or removed.
func (t *temporaryFiles) forget(name string) {
	t.Lock()
	defer t.Unlock()
	delete(t.names, name)
}

// createTemp is os.CreateTemp with a mode: it creates a new file prefix+random
// in dir with perm (less the umask, which the kernel applies).
func createTemp(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for range 1000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no unused temporary name %s* in %s", prefix, dir)
}
