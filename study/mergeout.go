package study

import (
	"fmt"
	"os"
	"path/filepath"

	"mnistgpu/run"
)

// checkMergeFolders refuses, before anything is written, a merge whose
// folders would mix:
//   - a shard folder given twice (however spelled: shards/1 and shards/1/,
//     or a link to it): its cells were counted twice in "merged N shard
//     folders";
//   - an --out that is one of the shards, or holds one (the shards' parent
//     folder, or "." above them): the merged study's cells/ and study.json
//     went beside the shards, where a glob such as shards/*/ then takes
//     cells/ for another shard;
//   - an --out that exists and holds files but no study.json (".", a
//     project's folder): a merge goes into a new or empty folder, or into an
//     earlier merge of the same study, never among other files.
func checkMergeFolders(dir string, shards []string) error {
	for i, s := range shards {
		for _, t := range shards[:i] {
			if sameFolder(s, t) {
				return &SettingError{fmt.Sprintf("merge: shard folder %s is given twice (as %s and %s): give each shard once", s, t, s)}
			}
		}
	}
	dirInfo, err := os.Stat(dir)
	if err != nil {
		return nil // a new folder: it holds nothing
	}
	for _, s := range shards {
		p, err := filepath.Abs(s)
		if err != nil {
			continue
		}
		for up := p; ; up = filepath.Dir(up) {
			if st, err := os.Stat(up); err == nil && os.SameFile(st, dirInfo) {
				if up == p {
					return &SettingError{fmt.Sprintf("merge: --out %s is one of the shards; merge into another folder", dir)}
				}
				return &SettingError{fmt.Sprintf("merge: --out %s holds shard %s: the merged study's cells/ would go beside the shards, where a glob of them (shards/*/) takes it for one; merge into a folder outside them", dir, s)}
			}
			if filepath.Dir(up) == up {
				break
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "study.json")); err == nil {
		return nil // an earlier merge's, or a study's: mergeSpec compares it
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // a file, or unreadable: checkNoRun and the writes say so
	}
	for _, e := range entries {
		if e.Name() != run.LockFile && !isStaging(e.Name()) { // left by a merge stopped before it wrote study.json
			return &SettingError{fmt.Sprintf("merge: --out %s holds files (%s, ...) but no study.json: merge into a new or empty folder, or into an earlier merge of this study", dir, e.Name())}
		}
	}
	return nil
}

// sameFolder reports whether a and b are one folder: the same file where
// both exist, the same absolute path where either does not.
func sameFolder(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
