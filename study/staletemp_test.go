package study

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A writer of a study's own files killed while writing (SIGKILL between
// WriteFileAtomic's create and rename) left its temporary in the study
// folder for good, as a run's did in its folder: the next process to take
// the study's lock removes those of study.json, results.csv and report/,
// and says so in one line (naming three, and how many more); a user's
// files named like a temporary of a file no study writes stay, and so do
// a user's copies named by hand (".results.csv.tmpold").
func TestStudyLockRemovesDeadWritersTemporaries(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report")
	os.Mkdir(report, 0o755)
	dead := []string{
		filepath.Join(dir, ".study.json.tmp1a2b1a2b1a2b"), filepath.Join(dir, ".results.csv.tmp9999999999"),
		filepath.Join(report, ".report.md.tmp3333333333"), filepath.Join(report, ".report.html.tmp4444444444"),
		filepath.Join(report, ".by-model.png.tmp5555555555"), filepath.Join(report, ".cell-001.png.tmp6666666666"),
	}
	mine := []string{filepath.Join(dir, ".notes.txt.tmp1111111111"), filepath.Join(report, ".mine.png.tmp2222222222"), filepath.Join(dir, "cells", ".study.json.tmp7777777777"),
		filepath.Join(dir, ".results.csv.tmpold"), filepath.Join(report, ".report.md.tmpbackup")} // a user's copies, named by hand
	os.Mkdir(filepath.Join(dir, "cells"), 0o755)
	for _, p := range append(append([]string{}, dead...), mine...) {
		if err := os.WriteFile(p, []byte("part of a file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	lock, err := lockStudy(dir, "planned", &log)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	for _, p := range dead {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range mine {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, no temporary of the study's, was removed", p)
		}
	}
	if n := strings.Count(log.String(), "\n"); n != 1 || !strings.Contains(log.String(), "removed 6 temporary files from "+dir+" (") || !strings.Contains(log.String(), "and 3 more)") {
		t.Errorf("want one line saying the 6 removed; got %q", log.String())
	}
}
