package study

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestStudyWithoutAxesOrFixedReadsBack: a study file may leave out "axes"
// and "fixed"; the study.json written into its folder must still be one
// that Load reads (it held "axes": null, so results.csv failed after the
// cells had trained, and every rerun and report of the folder failed).
func TestStudyWithoutAxesOrFixedReadsBack(t *testing.T) {
	dir := t.TempDir()
	if err := writeSpec(File{Name: "bare", Seeds: []uint64{1}}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "study.json")); err != nil {
		t.Errorf("study.json of a study without axes or fixed settings: %v", err)
	}
	f, err := Parse("bare.json", []byte(`{"seeds": [1], "fixed": {"model": "mlp", "epochs": "1", "train-limit": "200"}}`))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	o := Options{Shard: Shard{1, 1}, Data: smallData(t), Log: io.Discard}
	if err := Run(f, out, run.Default(), o); err != nil {
		t.Fatalf("a study without axes: %v", err)
	}
	if _, cells, err := LoadResults(out); err != nil || len(cells) != 1 {
		t.Errorf("its results: %d cells, %v", len(cells), err)
	}
	if err := Run(f, out, run.Default(), o); err != nil {
		t.Errorf("run again: %v", err)
	}
	md, err := Report(out, io.Discard)
	if err != nil {
		t.Fatalf("its report: %v", err)
	}
	if text := string(mustRead(t, md)); !strings.Contains(text, "| (one setting) | 1 | ") {
		t.Errorf("the report's table has no row for the one setting:\n%s", text)
	}
}

// TestReportNeedsAStudyFolder: `study report` of a folder without
// study.json (a run's, a mistyped one) is a SettingError naming the folder
// (exit 2), not a raw stat error with exit 1.
func TestReportNeedsAStudyFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := Report(dir, io.Discard)
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), dir+" is no study folder: it has no study.json") {
		t.Errorf("err = %v", err)
	}
}

// TestOutMustBeAFolder: `study run` and `study merge` with an --out that is
// a file, or a folder below a file, are refused as a setting naming the
// file; they failed with a raw "not a directory" (exit 1).
func TestOutMustBeAFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o666)
	f := File{Name: "s", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp"}}
	shard := filepath.Join(dir, "shard")
	if err := writeSpec(f, shard); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{file, filepath.Join(file, "sub")} {
		_, _, runErr := Prepare(f, out, run.Default())
		for what, err := range map[string]error{"run": runErr, "merge": Merge(out, []string{shard}, io.Discard)} {
			var se *SettingError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "--out "+out+": "+file+" is a file, not a folder") {
				t.Errorf("%s --out %s: %v", what, out, err)
			}
		}
	}
}
