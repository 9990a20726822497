package study

import (
	"errors"
	"fmt"
	"io"

	"mnistgpu/run"
)

// A file of the study as a whole (study.json, results.csv, report/) is made
// from what the folder holds when it is written: results.csv from every
// cell's result. Several processes write them (two `study run`s of one
// folder, a shard's run and a merge or a report, shards of a Slurm array on
// one folder), and one that read the cells before another cell finished
// and wrote after the process that finished it would drop that cell's row.
// So each reads and writes them holding the study folder's lock
// (run.LockFile), the lock a study plans under, and writes each file
// atomically (engine.WriteFileAtomic): the last writer read after every
// earlier one wrote, and a crash leaves the old file or the new one.

// lockWaiting, when set (by tests), is called when a process is about to
// wait for the study folder's lock that another holds.
var lockWaiting func(dir string)

// lockStudy takes the study folder's lock, waiting (and saying so on log,
// as "DIR is being DOING by pid N on HOST: waiting for it") while another
// process holds it: the study's writers hold it for moments (a plan, a
// results.csv), a merge for as long as it copies. A folder whose lock a
// `train` holds is a run's, which a study never shares: that is refused
// at once rather than waited for.
//
// Holding it, it removes what a killed writer of the study's own files
// left (removeStudyTemporaries).
func lockStudy(dir, doing string, log io.Writer) (*run.Lock, error) {
	l, err := waitLockStudy(dir, doing, log)
	if err == nil {
		removeStudyTemporaries(dir, log)
	}
	return l, err
}

// waitLockStudy is lockStudy's taking of the lock.
func waitLockStudy(dir, doing string, log io.Writer) (*run.Lock, error) {
	l, err := run.LockFolder(dir)
	var held *run.LockedError
	if !errors.As(err, &held) {
		return l, err
	}
	if held.Command() == "train" {
		return nil, &SettingError{fmt.Sprintf("%s holds a run that %s is training, and a study's files never go beside a run's: use another --out", dir, held.Who())}
	}
	fmt.Fprintf(log, "%s is being %s by %s: waiting for it\n", dir, doing, held.Who())
	if lockWaiting != nil {
		lockWaiting(dir)
	}
	return run.WaitLockFolder(dir)
}
