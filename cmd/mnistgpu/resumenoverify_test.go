package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// train --resume keeps the run's recorded --no-verify (a data-location
// setting, as its folder is): a run trained on a subset resumes on it
// unverified. The resume's line says so, so that the user knows the data
// is not checked against MNIST's checksums; it said nothing. A
// --no-verify typed with the resume is the user's own, and not said.
func TestResumeSaysItKeepsTheRecordedNoVerify(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--model", "mlp", "--train-limit", "200", "--threads", "1", "--out", out, "--data-dir", small}
	if _, stderr, code := output(t, append(args, "--epochs", "1", "--no-verify", "--quiet")...); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	line := regexp.MustCompile(`(?m)^.*resuming .* at epoch 2 of 2 .*keeps the recorded --no-verify.*$`)
	_, stderr, code := output(t, "train", "--resume", out, "--epochs", "2")
	if code != 0 || !line.MatchString(stderr) {
		t.Errorf("resumed without --no-verify: exit %d, want one resuming line saying it keeps the recorded --no-verify:\n%s", code, stderr)
	}
	_, stderr, code = output(t, "train", "--resume", out, "--epochs", "3", "--no-verify")
	if code != 0 || !strings.Contains(stderr, "resuming ") || strings.Contains(stderr, "recorded --no-verify") {
		t.Errorf("resumed with --no-verify typed: exit %d, want no line about the recorded one:\n%s", code, stderr)
	}
}
