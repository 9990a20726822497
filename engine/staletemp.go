package engine

import (
	"os"
	"path/filepath"
	"strings"
)

// A process killed during WriteFileAtomic (SIGKILL, the OOM killer, a power
// loss) leaves its temporary file, up to a whole state's size, beside the
// file it was to replace; nothing of that process remains to remove it.
// The next writer of that file, holding the lock that keeps every other
// writer out, knows the temporary is dead and removes it.

// TemporaryOf is the base name of the file that name, a temporary file of
// WriteFileAtomic ("." + NAME + ".tmp" + 1 to 13 base-36 digits), was to
// replace; "" when name is no such temporary.
func TemporaryOf(name string) string {
	i := strings.LastIndex(name, ".tmp")
	if i < 2 || name[0] != '.' {
		return ""
	}
	digits := name[i+len(".tmp"):]
	if len(digits) < 1 || len(digits) > 13 {
		return ""
	}
	for _, c := range digits {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return ""
		}
	}
	return name[1:i]
}

// RemoveStaleTemporaries removes from dir (not below it) the regular files
// that are temporaries of WriteFileAtomic for a file whose base name ours
// accepts, and returns the names it removed. The caller holds the lock
// that every writer of those files holds, so none of them is being
// written: each was left by a writer that died. A file it cannot remove
// stays, unnamed: it is as harmless as before.
func RemoveStaleTemporaries(dir string, ours func(target string) bool) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		target := TemporaryOf(e.Name())
		if target == "" || !e.Type().IsRegular() || !ours(target) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}
