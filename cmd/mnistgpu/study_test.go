package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStudyJobsSeedsAndReport: `study run --jobs 2 --seeds 2` as a process
// (stderr not a terminal: one line per finished cell), then the report says
// how many seeds stand behind its table and each verdict; bad --jobs,
// --seeds and --devices are usage errors with nothing written.
func TestStudyJobsSeedsAndReport(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.json")
	os.WriteFile(spec, []byte(`{"name":"s","axes":[{"name":"model","values":["cnn","mlp"]},{"name":"optimizer","values":["sgd","adam"]}],
		"seeds":[1],"fixed":{"epochs":"1","train-limit":"200","batch-size":"50"}}`), 0o644)
	out := filepath.Join(dir, "out")
	_, stderr, code := output(t, "study", "run", spec, "--out", out, "--jobs", "2", "--seeds", "2", "--data-dir", small, "--no-verify")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "study s: 8 cells; 8 to run, 2 cells at once on cpu") {
		t.Errorf("no start line saying what runs at once:\n%s", stderr)
	}
	if n := strings.Count(stderr, ": test accuracy "); n != 8 {
		t.Errorf("%d finished-cell lines, want 8:\n%s", n, stderr)
	}
	if strings.Contains(stderr, "\x1b[") {
		t.Errorf("terminal escapes off a terminal:\n%q", stderr)
	}
	if err := cliRun("study", "report", out); err != nil {
		t.Fatal(err)
	}
	md := string(mustRead(t, filepath.Join(out, "report", "report.md")))
	for _, want := range []string{"seeds 1, 2.", "| model=cnn,optimizer=sgd | 2 |", "| CNN reaches a better accuracy than the MLP | **", "| 2 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}

	for _, args := range [][]string{{"--jobs", "-1"}, {"--seeds", "0"}, {"--devices", "0,x"}, {"--devices", "0"}, {"--device", "cuda:1", "--devices", "0,1"}} {
		bad := filepath.Join(dir, "bad")
		err := cliRun(append([]string{"study", "run", spec, "--out", bad, "--data-dir", small, "--no-verify"}, args...)...)
		if exitCode(err) != 2 {
			t.Errorf("%v: %v, want exit code 2", args, err)
		}
		if _, err := os.Stat(bad); err == nil {
			t.Errorf("%v: the study folder was written", args)
		}
	}
}
