package study

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"mnistgpu/run"
)

// One writer per folder: a study holds its folder's lock (run.LockFile)
// while it plans (reads study.json and the cells' results, writes
// study.json) and each cell's folder's lock while that cell trains. So
// several processes of one study on one folder (two `study run`s, or
// shards on a shared filesystem) never train a cell twice: each takes the
// cells nobody holds and leaves the others to their holders, and a
// different study is refused by the plan, which reads the study.json of
// the first under the same lock.

// lockPlan takes the study folder's lock to plan (lockStudy): a second
// process of the same study started at the same moment waits rather than
// being turned away.
func lockPlan(dir string, log io.Writer) (*run.Lock, error) {
	return lockStudy(dir, "planned", log)
}

// claimCell takes the lock of cfg's folder for training it. When this
// process is not to train it, elsewhere says why: another process holds it,
// or finished it (done) since this one planned.
func claimCell(cfg run.Config) (lock *run.Lock, elsewhere string, done bool, err error) {
	lock, err = run.LockFolder(cfg.Output.Dir)
	var held *run.LockedError
	if errors.As(err, &held) {
		return nil, "skipped: " + held.Who() + " is training it", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	if complete(cfg) {
		lock.Unlock()
		return nil, "finished by another process", true, nil
	}
	return lock, "", false, nil
}

// checkNoRun refuses a study folder that holds a run, is inside a run's
// folder or inside the checkpoint folder a run above it records (however
// spelled: .., links): a study's study.json and cells never go among a
// run's files. It also refuses a --out that is
// a file, or a folder below a file (a raw "not a directory", exit 1, said so),
// and one that cannot be made or written (no permission, a read-only file
// system, a name too long: mkdir's error, exit 1, when the study first
// wrote), as train refuses its --out.
func checkNoRun(dir string) error {
	if f := run.FileInPlace(dir); f != "" {
		return &SettingError{fmt.Sprintf("--out %s: %s is a file, not a folder: name the study's folder", dir, f)}
	}
	var unusable *run.UnusableFolderError
	if errors.As(run.CheckFolderUsable(dir), &unusable) {
		return &SettingError{fmt.Sprintf("--out %s: the study's folder cannot be made or written there: %v", dir, unusable.Err)}
	}
	// Below a run's folder, outside its checkpoint folder, nothing of the
	// run's goes (train --out A/sub is a run's folder too), except below a
	// study's cell, which its study trains again among whatever is there.
	var in *run.EnclosingRunError
	if errors.As(run.EnclosingRun(dir), &in) && (!in.Below() || run.StudyOwning(filepath.Dir(in.Run)) != "") {
		return &SettingError{fmt.Sprintf("--out %v, and a study's files never go among a run's: use another --out", in)}
	}
	return nil
}

// checkNotAStudysOwn refuses a --out that is another study's cells/ or
// report/, as train refuses them (run.StudyOwning): a study's files among
// another's cells were one more folder there that is no cell.
func checkNotAStudysOwn(dir string) error {
	if s := run.StudyOwning(dir); s != "" {
		return &SettingError{fmt.Sprintf("--out %s is a folder of the study in %s (study.json), and a study's files never go among another study's: use another --out", dir, s)}
	}
	return nil
}
