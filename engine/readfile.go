package engine

import (
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// Every file the tool reads on a user's word (settings, models, studies,
// weights, states, MNIST data, images, results) is read through ReadFile or
// OpenFile. os.ReadFile takes a file's size as a hint and reads to its end:
// /dev/zero reports size 0 and never ends, so `train --config /dev/zero`
// grew its buffer until the Go runtime died of out-of-memory, and a FIFO
// would block for ever. Here a path that is not a regular file (after
// following links), or a file larger than its kind can be, is refused with
// one line naming it before a byte is read.

// Limits for the kinds of file read. Real ones are far below them: a
// settings file is a few hundred bytes, the report's CNN's state 20 MB,
// MNIST's training images 47 MB uncompressed.
const (
	// MaxSettingsFile bounds a JSON settings file: a run's config.json, a
	// model file, a study file.
	MaxSettingsFile = 4 << 20
	// MaxRecordFile bounds what a run writes beside its weights:
	// result.json, history.json, a plot (a history of many epochs).
	MaxRecordFile = 64 << 20
)

// maxInMemory is the largest file ReadFile returns: the longest slice less
// the byte it reads past a limit. On a 32-bit build that is 2 GiB − 2, below
// MaxStateFile: a larger file is refused saying so, rather than read until
// memory runs out.
const maxInMemory = math.MaxInt - 1

// ReadFile reads the regular file at path, refusing anything else and a
// file of more than limit bytes; what names the kind of file ("model
// file") in that refusal. A file that grows while it is read past limit is
// refused too.
func ReadFile(path, what string, limit int64) ([]byte, error) {
	fh, err := OpenFile(path, what, limit)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if limit > maxInMemory {
		st, err := fh.Stat()
		if err != nil {
			return nil, err
		}
		if st.Size() > maxInMemory {
			return nil, fmt.Errorf("%s: %s, more than a %d-bit build holds in memory (%s): read it with a 64-bit build",
				path, bytesText(st.Size()), strconv.IntSize, bytesText(maxInMemory))
		}
		limit = maxInMemory
	}
	raw, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge(path, what, int64(len(raw)), limit)
	}
	return raw, nil
}

// OpenFile opens the regular file at path for reading if it holds at most
// limit bytes, refusing a folder, a device, a FIFO or a socket (checked
// before it is opened, since opening a FIFO blocks, and again on the file
// opened, in case the path changed between the two).
func OpenFile(path, what string, limit int64) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regular(path, what, st, limit); err != nil {
		return nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err = fh.Stat(); err == nil {
		err = regular(path, what, st, limit)
	}
	if err != nil {
		fh.Close()
		return nil, err
	}
	return fh, nil
}

func regular(path, what string, st fs.FileInfo, limit int64) error {
	if kind := fileKind(st.Mode()); kind != "" {
		return fmt.Errorf("%s: %s, not a regular %s", path, kind, what)
	}
	if st.Size() > limit {
		return tooLarge(path, what, st.Size(), limit)
	}
	return nil
}

// fileKind says what a file of mode m is when it is not a regular file ("a
// folder", "a character device", ...), and "" when it is one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a folder"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// NotAFile says what path is when it exists and is no regular file
// (following links: "a character device" for /dev/stdout on a terminal),
// or is a link to an open file descriptor, and "" when it is a file (or a
// link to one) or is not there. An output path that is one is refused:
// WriteFileAtomic would rename its file over it, and as root it replaced
// /dev/null with a PNG.
func NotAFile(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if kind := fileKind(st.Mode()); kind != "" {
		return kind
	}
	if descriptorLink(path) {
		return "a link to an open file descriptor (as /dev/stdout is)"
	}
	return ""
}

// fdLinkPath is the path of a file descriptor's link: /proc/self/fd/N (and
// /proc/PID/fd/N) on Linux, /dev/fd/N there and on macOS and the BSDs.
var fdLinkPath = regexp.MustCompile(`^/(proc/(self|thread-self|[0-9]+)(/task/[0-9]+)?|dev)/fd/[0-9]+$`)

// descriptorLink reports whether path is, or leads through symbolic links
// to, the link of an open file descriptor. /dev/stdout of a process whose
// output goes to a file (`> w.safetensors`) names a regular file, but the
// rename that replaces it replaces the link: as root, the system's
// /dev/stdout became a file, and the redirected file stayed empty.
func descriptorLink(path string) bool {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // "dev/fd/1" from / is /dev/fd/1
	}
	for range 40 { // the kernel's own bound on links followed
		if fdLinkPath.MatchString(filepath.Clean(path)) {
			return true
		}
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return false
		}
		target, err := os.Readlink(path)
		if err != nil {
			return false
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return false
}

func tooLarge(path, what string, size, limit int64) error {
	return fmt.Errorf("%s: %s, more than the %s allowed for %ss", path, bytesText(size), bytesText(limit), what)
}

// bytesText writes a size in bytes, KiB, MiB or GiB.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
