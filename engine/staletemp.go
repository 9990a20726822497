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
// WriteFileAtomic ("." + NAME + ".tmp" + a random uint64 in base 36, 10 to
// 13 digits), was to replace; "" when name is no such temporary.
func TemporaryOf(name string) string {
	i := strings.LastIndex(name, ".tmp")
	if i < 2 || name[0] != '.' {
		return ""
	}
	digits := name[i+len(".tmp"):]
	if len(digits) < minTemporaryDigits || len(digits) > 13 {
		return ""
	}
	for _, c := range digits {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return ""
		}
	}
	return name[1:i]
}

// minTemporaryDigits is the fewest digits TemporaryOf takes. A random
// uint64 has fewer than 10 base-36 digits once in 180,000 (below 36⁹); a
// user's own copy named like ".results.csv.tmpold" or ".tmpbak" has, and
// was removed as a dead writer's. The rare temporary of fewer digits
// stays, as harmless as one that cannot be removed.
const minTemporaryDigits = 10

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
