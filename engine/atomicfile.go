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
func WriteFileAtomic(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := createTemp(dir, "."+filepath.Base(path)+".tmp", 0o666)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
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
