package study

import (
	"io"
	"path/filepath"
	"strings"

	"mnistgpu/engine"
	"mnistgpu/run"
)

// The files of a study as a whole (study.json, results.csv, report/) are
// written through temporaries beside them (engine.WriteFileAtomic), each
// by a process holding the study folder's lock (lockStudy); one SIGKILLed
// while writing left its temporary there for good, as a run's did in its
// own folder (run/staletemp.go). The next process to take the lock
// removes those, and says so: no live writer can be writing them. Only
// temporaries of the files a study writes are taken (by their names: a
// user's own files, hidden ones included, stay); each cell's are its run's
// to clear when it trains.

// studyFile reports whether name is a file a study writes in its folder.
func studyFile(name string) bool { return name == "study.json" || name == ResultsCSV }

// reportFile reports whether name is a file Report writes in report/.
func reportFile(name string) bool {
	png := strings.HasSuffix(name, ".png") && (strings.HasPrefix(name, "by-") || strings.HasPrefix(name, "cell-"))
	return png || name == "report.md" || name == "report.html"
}

// removeStudyTemporaries removes the temporaries of dead writers of the
// study in dir, saying so on log. The caller holds dir's lock.
func removeStudyTemporaries(dir string, log io.Writer) {
	removed := engine.RemoveStaleTemporaries(dir, studyFile)
	for _, n := range engine.RemoveStaleTemporaries(filepath.Join(dir, "report"), reportFile) {
		removed = append(removed, filepath.Join("report", n))
	}
	run.SayRemovedTemporaries(log, dir, removed)
}
