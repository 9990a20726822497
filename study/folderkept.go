package study

import (
	"fmt"
	"os"
	"path/filepath"
)

// keptFolder is a study's folder as Run found it after writing study.json.
// A folder removed or moved while the study runs (`rm -rf` of a shard's
// folder on a cluster node, a cleanup script) must end the study: each
// cell's lock, folder and failed.txt were made again with MkdirAll, so
// the study rebuilt a folder without its study.json under the old name,
// trained its remaining cells there for nothing and then failed on a
// missing study.json.
type keptFolder struct {
	dir  string
	info os.FileInfo
}

// keepFolder records dir, which holds the study's study.json.
func keepFolder(dir string) (keptFolder, error) {
	info, err := os.Stat(dir)
	return keptFolder{dir, info}, err
}

// gone is nil while dir is still the folder keepFolder found (the same
// directory, not one made again under its name) and holds study.json.
func (k keptFolder) gone() error {
	info, err := os.Stat(k.dir)
	if err == nil && os.SameFile(info, k.info) {
		if _, err = os.Stat(filepath.Join(k.dir, "study.json")); err == nil {
			return nil
		}
	}
	return &FolderGoneError{Dir: k.dir}
}

// FolderGoneError: the study's folder was removed or moved while it ran.
type FolderGoneError struct{ Dir string }

func (e *FolderGoneError) Error() string {
	return fmt.Sprintf("%s, the study's folder, was removed or moved (or lost its study.json) while the study ran: "+
		"stopped, writing nothing more under that name; run the study again to start it afresh there", e.Dir)
}
