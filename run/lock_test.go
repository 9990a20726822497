package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The lock of a folder is one open file's: a second LockFolder (another
// open file, as in another process) is refused naming this process, until
// Unlock; Unlock removes the lock file and the folders LockFolder created
// while they are empty. (cmd/mnistgpu/lock_test.go holds it from other
// processes and kills them.)
func TestLockFolder(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b")
	l, err := LockFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockFolder(dir)
	var held *LockedError
	if !errors.As(err, &held) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d on ", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	if who := held.Who(); !strings.HasPrefix(who, "pid ") || strings.Contains(who, "(") {
		t.Errorf("Who() = %q, want pid and host only", who)
	}
	l.Unlock()
	l.Unlock() // once is enough; twice is harmless
	if _, err := os.Stat(filepath.Join(base, "a")); !os.IsNotExist(err) {
		t.Errorf("the folders it made are left empty: %v", err)
	}

	// A folder that holds something stays, without the lock file.
	if l, err = LockFolder(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644)
	l.Unlock()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "config.json" {
		t.Errorf("after Unlock the folder holds %v", entries)
	}
	if _, err := LockFolder(""); err == nil {
		t.Error("locked an empty folder name")
	}
}

// The holder's command is read back from the line it wrote: the word after
// the program that is not a flag, with a program path that holds spaces.
func TestLockedErrorCommand(t *testing.T) {
	for _, c := range []struct{ holder, want string }{
		{"pid 7 on vm (/usr/bin/mnistgpu train --out x, since 2026-01-02 03:04:05)", "train"},
		{"pid 7 on vm (mnistgpu study run s.json --out x, since 2026-01-02 03:04:05)", "study"},
		{`pid 7 on vm ("/my dir/mnistgpu" train --out x, since 2026-01-02 03:04:05)`, "train"},
		{"pid 7 on vm (/tmp/x.test -test.run=^TestLockHolderProcess$, since 2026-01-02 03:04:05)", ""},
		{"", ""},
	} {
		if got := (&LockedError{Holder: c.holder}).Command(); got != c.want {
			t.Errorf("%q: command %q, want %q", c.holder, got, c.want)
		}
	}
}

// A lock file that is not a file is refused, and what it names untouched:
// the holder's line was written through a symbolic link into the file it
// named (a user's, outside the folder), and a folder gave open's "is a
// directory" (exit 1).
func TestLockFileMustBeAFile(t *testing.T) {
	base := t.TempDir()
	precious := filepath.Join(base, "precious.txt")
	os.WriteFile(precious, []byte("mine"), 0o644)
	link, folder := filepath.Join(base, "link"), filepath.Join(base, "folder")
	os.MkdirAll(link, 0o755)
	os.MkdirAll(filepath.Join(folder, LockFile), 0o755)
	if err := os.Symlink(precious, filepath.Join(link, LockFile)); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for dir, kind := range map[string]string{link: "symbolic link", folder: "folder"} {
		_, err := LockFolder(dir)
		var ve *ValueError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "is a "+kind+", not a file") {
			t.Errorf("%s: %v, want a refusal saying it is a %s", dir, err, kind)
		}
	}
	if got, _ := os.ReadFile(precious); string(got) != "mine" {
		t.Errorf("the file the lock linked to holds %q", got)
	}
}

// Unlock removes its own lock file only: when the folder was moved while
// it was held and another writer locked a new folder at the old name, or
// the lock file was removed and another writer's took its place, the
// first writer's Unlock leaves the other's lock file (and its folder) as
// they are, and the other still holds the folder.
func TestUnlockLeavesAnotherWritersLock(t *testing.T) {
	for _, how := range []string{"folder moved", "lock file replaced"} {
		t.Run(how, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "run")
			first, err := LockFolder(dir)
			if err != nil {
				t.Fatal(err)
			}
			switch how {
			case "folder moved":
				if err := os.Rename(dir, filepath.Join(base, "moved")); err != nil {
					t.Fatal(err)
				}
			case "lock file replaced":
				if err := os.Remove(filepath.Join(dir, LockFile)); err != nil {
					t.Fatal(err)
				}
			}
			second, err := LockFolder(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Unlock()
			theirs, _ := os.ReadFile(filepath.Join(dir, LockFile))
			first.Unlock()
			if got, err := os.ReadFile(filepath.Join(dir, LockFile)); err != nil || string(got) != string(theirs) {
				t.Fatalf("the other writer's lock file after the first's Unlock: %q, %v", got, err)
			}
			if err := second.Check(); err != nil {
				t.Errorf("the other writer lost its lock: %v", err)
			}
			var held *LockedError
			if _, err := LockFolder(dir); !errors.As(err, &held) {
				t.Errorf("a third writer was not refused: %v", err)
			}
		})
	}
}

// A user's own file that has the lock's name (in a run's folder, or beside
// --save-weights weights) is neither written over nor removed: the lock
// took it over, truncated it to write the holder's line and removed it
// at Unlock. The folder is refused naming the file. What a holder leaves
// (an empty file, a killed holder's line) is taken over and removed.
func TestLockKeepsAUsersFileOfItsName(t *testing.T) {
	stale := "pid 12345 on vm (/usr/bin/mnistgpu train --out x\ny, since 2026-01-02 03:04:05)\n"
	for _, c := range []struct {
		name, content string
		mine          bool // the user's: refused and kept
	}{
		{"notes", "my notes\n", true},
		{"a line like a holder's, and more", stale + "mine\n", true},
		{"a holder's line, long", "pid 1 on vm (" + strings.Repeat("x", maxLockRecord) + ", since 2026-01-02 03:04:05)\n", true},
		{"binary", "\x00\x01\x02", true},
		{"empty", "", false},
		{"a killed holder's line", stale, false},
		{"an older holder's line without newline", strings.TrimSuffix(stale, "\n"), false},
	} {
		for _, name := range []string{LockFile, weightsLockName("w.safetensors")} {
			t.Run(c.name+" "+name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
					t.Fatal(err)
				}
				l, err := lockIn(dir, name, false)
				var foreign *ForeignLockFileError
				if c.mine {
					if !errors.As(err, &foreign) || foreign.Path != path || !strings.Contains(err.Error(), path+" holds a file that is not a lock file") {
						t.Errorf("lock over a user's file: %v, want it refused naming %s", err, path)
					}
					l.Unlock()
					if got, err := os.ReadFile(path); err != nil || string(got) != c.content {
						t.Errorf("the user's file after the refusal: %q, %v; want %q", got, err, c.content)
					}
					// Refused again, not taken: nothing was changed the first time.
					if _, err := lockIn(dir, name, false); !errors.As(err, &foreign) {
						t.Errorf("second try: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("a holder's leftover lock file was not taken over: %v", err)
				}
				if got, _ := os.ReadFile(path); !strings.HasPrefix(string(got), fmt.Sprintf("pid %d on ", os.Getpid())) {
					t.Errorf("the lock file holds %q, not this holder's line", got)
				}
				l.Unlock()
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("the lock file stays after Unlock: %v", err)
				}
			})
		}
	}
	// This process's own line is one a next holder takes over.
	if !lockRecord.MatchString(holderLine()) {
		t.Errorf("holderLine %q is not a lock record", holderLine())
	}
}
