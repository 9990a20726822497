package study

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A merge copies every cell into a staging folder of the merged study's
// folder (named stagingPrefix*) before it changes anything there, and
// renames the copies into cells/ once all are made: one that failed partway
// (the second shard's cell holding a file it cannot read) left study.json
// and the first shard's cells in a new --out, which a report then took for
// the study, and a later merge for an earlier merge to extend. The folder
// is removed when the merge ends; a merge killed while copying leaves it,
// and the next merge into the folder, holding its lock (as the killed one
// did), removes it.

// stagingPrefix begins the name of a merge's staging folder.
const stagingPrefix = ".merge-staging-"

// isStaging reports whether name is a merge's staging folder.
func isStaging(name string) bool { return strings.HasPrefix(name, stagingPrefix) }

// removeStaleStaging removes the staging folders of merges into dir that
// were killed, saying so on log. The caller holds dir's lock.
func removeStaleStaging(dir string, log io.Writer) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if isStaging(e.Name()) && e.IsDir() {
			if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
				fmt.Fprintf(log, "removed %s, the copies of a merge into %s that was stopped before it ended\n", e.Name(), dir)
			}
		}
	}
}
