package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A study's cell is one of its runs, trained as the study plans it. Before,
// `train --resume CELL --epochs 4` of a 2-epoch study trained that cell to 4
// epochs: `study report` then put it beside the 2-epoch cells as the study's
// setting ("up to 4 epochs each"), and `study run` took the study for
// complete. Now --epochs or --max-steps past the study's plan is refused
// (exit 2) naming the study and saying how to extend it; resuming a cell
// within the plan still works, and `study run --epochs` still extends it.
func TestResumeOfStudyCellKeepsTheStudysPlan(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	studyRun := lrStudy(t, dir, out, "2")
	studyRun()
	cell := filepath.Join(out, "cells", "lr=0.1,seed=1")
	trained := func() int { t.Helper(); return len(historyOf(t, cell).Epochs) }
	cases := [][]string{{"--epochs", "4"}, {"--max-steps", "3"}}
	link := filepath.Join(dir, "mycell")
	if os.Symlink(cell, link) == nil { // not where links need a privilege (Windows)
		cases = append(cases, []string{"--epochs", "4", "link"})
	}
	for _, args := range cases {
		resume := cell
		if len(args) == 3 { // through a link to the cell
			resume, args = link, args[:2]
		}
		err := cliRun(append([]string{"train", "--resume", resume, "--threads", "1"}, args...)...)
		if code := exitCode(err); code != 2 {
			t.Fatalf("train --resume %s %v: exit %d (%v), want 2", resume, args, code, err)
		}
		for _, want := range []string{args[0] + " " + args[1], "study in " + out, "study file", "study run"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("train --resume CELL %v: %q does not say %q", args, err, want)
			}
		}
		if n := trained(); n != 2 {
			t.Fatalf("train --resume CELL %v: the cell has %d epochs, want the study's 2", args, n)
		}
	}
	// Within the plan, a resume is a resume.
	if err := cliRun("train", "--resume", cell, "--epochs", "2", "--threads", "1"); err != nil {
		t.Errorf("train --resume CELL --epochs 2 (the study's): %v", err)
	}
	// The study is extended as a whole, after which its cells may be
	// resumed to its new plan.
	studyRun("--epochs", "3")
	if n := trained(); n != 3 {
		t.Fatalf("study run --epochs 3: the cell has %d epochs", n)
	}
	if err := cliRun("train", "--resume", cell, "--epochs", "3", "--threads", "1"); err != nil {
		t.Errorf("train --resume CELL --epochs 3 after study run --epochs 3: %v", err)
	}
	// Finished, it says how to train it longer: not --epochs, refused.
	if _, stderr, code := output(t, "train", "--resume", cell, "--threads", "1"); code != 0 || !strings.Contains(stderr, "nothing to do") || !strings.Contains(stderr, "change the study file and `study run` it") || strings.Contains(stderr, "pass --epochs") {
		t.Errorf("train --resume of a finished cell: exit %d, %q; want the study's way to extend it", code, stderr)
	}
	// A folder that merely looks like a cell (no study.json above) is a run.
	other := filepath.Join(dir, "runs", "cells", "a")
	if err := cliRun("train", "--model", "mlp", "--epochs", "1", "--train-limit", "200", "--threads", "1", "--out", other, "--data-dir", small, "--no-verify", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if err := cliRun("train", "--resume", other, "--epochs", "2", "--threads", "1", "--quiet"); err != nil {
		t.Errorf("train --resume of a run in a folder named cells/: %v", err)
	}
}

// A study's cells are made by `study run`, each with the study's settings.
// `train --out S/cells/CELL` wrote a plain run of other settings into the
// study's cell folder: refused there as holding a run, but with --overwrite
// it replaced the study's cell, which `study report` then reported as the
// study's. Now a new run in any folder of a study's cells/ (through a link
// too, with --config too) is refused up front, exit 2, naming --out, the
// study and `study run`, and the cell is left as it was; `study run` itself
// (which trains its cells with overwrite set) still trains them, and
// `train --resume CELL` within the plan still resumes.
func TestTrainOutIntoAStudysCellIsRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "S")
	studyRun := lrStudy(t, dir, out, "1")
	studyRun()
	cell := filepath.Join(out, "cells", "lr=0.1,seed=1")
	before := snapshot(t, cell)
	link := filepath.Join(dir, "mycell")
	outs := []string{cell, cell + "/.", filepath.Join(out, "cells", "lr=0.2,seed=1")}
	if os.Symlink(cell, link) == nil { // not where links need a privilege (Windows)
		outs = append(outs, link)
	}
	for _, o := range outs {
		for _, extra := range [][]string{nil, {"--overwrite"}, {"--config", filepath.Join(cell, "config.json"), "--overwrite"}} {
			args := []string{"train", "--out", o, "--threads", "1", "--data-dir", small, "--no-verify", "--quiet"}
			if extra == nil || extra[0] != "--config" {
				args = append(args, "--model", "mlp", "--epochs", "2", "--train-limit", "200")
			}
			args = append(args, extra...)
			_, msg, code := output(t, args...)
			if code != 2 {
				t.Errorf("train --out %s %v: exit %d, want 2\n%s", o, extra, code, msg)
				continue
			}
			for _, want := range []string{"--out " + o, "study in " + out, "study run"} {
				if !strings.Contains(msg, want) {
					t.Errorf("train --out %s %v: %q does not say %q", o, extra, msg, want)
				}
			}
		}
	}
	sameFiles(t, "the study's cell", before, snapshot(t, cell))
	if _, err := os.Stat(filepath.Join(out, "cells", "lr=0.2,seed=1")); err == nil {
		t.Errorf("a refused train --out made a folder among the study's cells")
	}
	// The study's own runs go there still, and a resume within the plan.
	studyRun("--epochs", "2")
	if n := len(historyOf(t, cell).Epochs); n != 2 {
		t.Fatalf("study run --epochs 2: the cell has %d epochs", n)
	}
	if err := cliRun("train", "--resume", cell, "--epochs", "2", "--threads", "1", "--quiet"); err != nil {
		t.Errorf("train --resume CELL --epochs 2 (the study's): %v", err)
	}
}

// lrStudy writes, in dir, a study of two MLP cells (lr 0.1 and 0.05, seed
// 1) of the given epochs, and returns a function that runs it into out
// with the extra arguments, failing the test when it fails.
func lrStudy(t *testing.T, dir, out, epochs string) func(args ...string) {
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"axes":[{"name":"lr","values":["0.1","0.05"]}],"seeds":[1],"fixed":{"model":"mlp","optimizer":"sgd","train-limit":"200","epochs":"`+epochs+`"}}`), 0o644)
	return func(args ...string) {
		t.Helper()
		args = append([]string{"study", "run", spec, "--out", out, "--data-dir", small, "--no-verify", "--threads", "1"}, args...)
		if err := cliRun(args...); err != nil {
			t.Fatalf("study run %v: %v", args[3:], err)
		}
	}
}
