package run

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LockFile is the file in a run's or a study's folder that its writer holds
// locked. The lock is advisory (flock on Unix, LockFileEx on Windows) and
// belongs to an open file, so the kernel releases it when the process ends
// however it ends: a SIGKILLed run leaves no stale lock, at most the file,
// which the next writer takes over. The file holds who locked it, for the
// message that refuses a second writer. A file of the name that holds
// anything else is a user's, and is never taken over (ForeignLockFileError).
const LockFile = ".lock"

// Lock is a folder's lock, held until Unlock.
type Lock struct {
	f    *os.File
	path string
	// made are the folders that taking the lock created, innermost first:
	// Unlock removes those still empty, so a command that failed before
	// writing anything leaves no folder behind.
	made []string
}

// LockedError is a folder whose lock another process holds.
type LockedError struct {
	Dir    string
	Holder string // what the holder wrote into the lock file ("" if nothing yet)
}

// Who is the holder in short: "pid N on HOST" (without its command line).
func (e *LockedError) Who() string {
	if e.Holder == "" {
		return "another process"
	}
	who, _, _ := strings.Cut(e.Holder, " (")
	return who
}

// Command is the holder's mnistgpu command ("train", "study", ...): the
// first word after the program in the command line it recorded that is not
// a flag; "" when it recorded none (another program, an older holder).
func (e *LockedError) Command() string {
	_, rest, ok := strings.Cut(e.Holder, " (")
	if !ok {
		return ""
	}
	if i := strings.LastIndex(rest, ", since "); i >= 0 {
		rest = rest[:i]
	}
	// The program comes first, quoted when it holds a space (holderLine).
	if q, err := strconv.QuotedPrefix(rest); err == nil {
		rest = "program" + rest[len(q):]
	}
	words := strings.Fields(rest)
	for _, w := range words[min(1, len(words)):] {
		if !strings.HasPrefix(w, "-") {
			return w
		}
	}
	return ""
}

func (e *LockedError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "another process"
	}
	return fmt.Sprintf("%s is in use: %s holds its lock (one writer per folder); wait for it to end, stop it, or use another --out", e.Dir, holder)
}

// LockFolder takes dir's lock, creating dir (and missing parents) if need
// be, and returns at once: a *LockedError when another process holds it.
// Take it before anything in the folder is read or written.
func LockFolder(dir string) (*Lock, error) { return lockFolder(dir, false) }

// WaitLockFolder is LockFolder that waits for the holder to let go.
func WaitLockFolder(dir string) (*Lock, error) { return lockFolder(dir, true) }

func lockFolder(dir string, wait bool) (*Lock, error) { return lockIn(dir, LockFile, wait) }

// lockIn takes the lock file called name in dir (see LockFolder).
func lockIn(dir, name string, wait bool) (*Lock, error) {
	if dir == "" {
		return nil, &ValueError{Flag: "out", Msg: "must name a folder"}
	}
	if f := FileInPlace(dir); f != "" {
		// A setting (exit 2), not a failure: mkdir's "not a directory" said less.
		return nil, &ValueError{Msg: fmt.Sprintf("output folder %s: %s is a file, not a folder", dir, f)}
	}
	l := &Lock{path: filepath.Join(dir, name)}
	// Another process may remove the folder or the lock file between our
	// steps (its Unlock): open again until the locked file is the one at
	// the path.
	for range 100 {
		made, err := mkdirAll(dir)
		l.made = append(made, l.made...)
		if err != nil {
			l.removeMade()
			return nil, folderError(dir, err)
		}
		if st, err := os.Lstat(l.path); err == nil && !st.Mode().IsRegular() {
			// The holder's line is written into the lock: through a
			// symlink it overwrote the file the link named.
			l.removeMade()
			return nil, &ValueError{Msg: fmt.Sprintf("output folder %s: its lock file %s is a %s, not a file: remove it", dir, l.path, fileKind(st.Mode()))}
		}
		f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o666)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			l.removeMade()
			return nil, folderError(dir, err)
		}
		held, err := lockFile(f, wait)
		if err == nil && held {
			who, _ := os.ReadFile(l.path)
			f.Close()
			l.removeMade()
			return nil, &LockedError{Dir: dir, Holder: strings.TrimSpace(string(who))}
		}
		if err != nil {
			f.Close()
			l.removeMade()
			return nil, fmt.Errorf("output folder %s: lock %s: %w", dir, l.path, err)
		}
		mine, err1 := f.Stat()
		there, err2 := os.Lstat(l.path) // a symlink put there since is not the file opened
		if err1 != nil || err2 != nil || !os.SameFile(mine, there) {
			f.Close() // locked a file its holder removed on the way out
			continue
		}
		if !holdsLockRecord(f) {
			// A user's own file that happens to have the lock's name:
			// writing the holder's line into it, and removing it at
			// Unlock, lost it. It is left as it is, the folder refused.
			unlockFile(f)
			f.Close()
			l.removeMade()
			return nil, &ForeignLockFileError{Dir: dir, Path: l.path}
		}
		l.f = f
		// Only for the message: a failure here does not make the lock less held.
		if f.Truncate(0) == nil {
			f.WriteAt([]byte(holderLine()), 0)
		}
		return l, nil
	}
	l.removeMade()
	return nil, fmt.Errorf("output folder %s: its lock file keeps disappearing", dir)
}

// ForeignLockFileError is a folder whose lock file's name holds a file
// that is not a lock file: neither empty nor a holder's line (holderLine).
// It is a user's own, which a lock taken there would write over and, when
// let go, remove; the folder is refused (exit 2) and the file left as it is.
type ForeignLockFileError struct {
	Dir  string
	Path string // the file
	// Flag is the setting that named the folder ("out", "resume",
	// "save-weights"); "" when none did (a study's cell).
	Flag string
}

func (e *ForeignLockFileError) Error() string {
	msg := fmt.Sprintf("%s holds a file that is not a lock file of mnistgpu (it holds other data), and the lock taken there would write over it: "+
		"nothing was changed; move or rename it, or choose another folder", e.Path)
	if e.Flag != "" {
		msg = "--" + e.Flag + " " + msg
	}
	return msg
}

// maxLockRecord bounds a holder's line (holderLine: a command line cut at
// 200 bytes, a host name, a time): a longer file is no lock file.
const maxLockRecord = 4096

// lockRecord is a holder's line as holderLine writes it.
var lockRecord = regexp.MustCompile(`(?s)^pid [0-9]+ on .*, since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\)\n?$`)

// holdsLockRecord reports whether the lock file f holds what a holder
// leaves there: nothing (a new file, or a holder killed before it wrote
// its line) or a holder's line (one that ended without removing it: a
// SIGKILLed run). Any other content is someone else's file.
func holdsLockRecord(f *os.File) bool {
	buf := make([]byte, maxLockRecord+1)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	return n == 0 || n <= maxLockRecord && lockRecord.Match(buf[:n])
}

// HeldBy reports whether another open file holds dir's lock, and what its
// holder wrote there ("" if nothing), making and taking nothing: a folder
// without a lock file is held by no one. (The lock is tried and let go at
// once: a writer taking it in that instant is refused as if it were held.)
func HeldBy(dir string) (holder string, held bool) {
	path := filepath.Join(dir, LockFile)
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	held, err = lockFile(f, false)
	if err != nil {
		return "", false
	}
	if !held {
		unlockFile(f)
		return "", false
	}
	who, _ := os.ReadFile(path)
	return strings.TrimSpace(string(who)), true
}

// LockLostError is a held lock whose file is no longer at its folder's
// path: removed, or the folder moved, while its holder wrote there. The
// kernel lock stays on the removed file, so another writer may lock a new
// one: the holder stops rather than write beside it.
type LockLostError struct{ Path string }

func (e *LockLostError) Error() string {
	return fmt.Sprintf("%s is no longer the lock this process took (removed, or its folder moved, while it ran): stopped before writing, "+
		"so that two writers never mix one folder; the files saved before are whole, and --resume continues from them once nothing else writes there", e.Path)
}

// Check returns a *LockLostError when the file at the lock's path is not
// the one this lock holds (see LockLostError); a writer calls it before
// each save. A nil Lock is none, and always fine.
func (l *Lock) Check() error {
	if l == nil || l.f == nil {
		return nil
	}
	mine, err1 := l.f.Stat()
	there, err2 := os.Stat(l.path)
	if err1 != nil || err2 != nil || !os.SameFile(mine, there) {
		return &LockLostError{Path: l.path}
	}
	return nil
}

// holderLine is what a holder writes into its lock file: its pid, host,
// command line (the program quoted when it holds a space, so that Command
// finds the word after it) and since when.
func holderLine() string {
	host, _ := os.Hostname()
	args := slices.Clone(os.Args)
	if len(args) > 0 && strings.ContainsAny(args[0], " \t") {
		args[0] = strconv.Quote(args[0])
	}
	cmd := strings.Join(args, " ")
	if len(cmd) > 200 {
		cmd = cmd[:200] + "…"
	}
	return fmt.Sprintf("pid %d on %s (%s, since %s)\n", os.Getpid(), host, cmd, time.Now().Format(time.DateTime))
}

// Unlock lets the folder go: it removes the lock file, then the folders
// that LockFolder created if they are still empty. A lock file at the path
// that is not the one this lock holds (the folder moved, or the file
// removed, while it was held: Check) is another writer's, and it stays, as
// does every folder at the path: only the kernel lock is let go. A nil Lock
// is none.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	mine := l.Check() == nil
	// Removed while still held, so that no other process locks this file
	// after us and believes it holds the folder; on Windows, where an open
	// file cannot be removed, after closing.
	var err error
	if mine {
		err = os.Remove(l.path)
	}
	unlockFile(l.f)
	l.f.Close()
	l.f = nil
	if !mine {
		l.made = nil
		return
	}
	if err != nil {
		os.Remove(l.path)
	}
	l.removeMade()
}

func (l *Lock) removeMade() {
	for _, d := range l.made {
		if os.Remove(d) != nil {
			break
		}
	}
	l.made = nil
}

// mkdirAll is os.MkdirAll of dir cleaned (as every path of a run is, and
// its lock's: x/../b is b, and makes no x) that returns the folders it
// created, innermost first.
func mkdirAll(dir string) ([]string, error) {
	dir = filepath.Clean(dir)
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	return missing, nil
}

// FileInPlace is dir, or the nearest folder above it that exists, when
// that is not a folder ("" otherwise): an output folder that cannot be made,
// which train, study run and study merge refuse as a setting before
// anything is written (mkdir and stat only say "not a directory").
func FileInPlace(dir string) string {
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			if st.IsDir() {
				return ""
			}
			return p
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

// fileKind names what a non-regular file is, for a message.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "folder"
	}
	return "special file"
}
