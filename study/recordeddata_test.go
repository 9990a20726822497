package study

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/mnist"
	"mnistgpu/run"
)

// TestRecordedDataDirIsTheFirstThatHoldsMNIST: the folder a study continues
// on, none given, is the first its cells recorded that still holds MNIST;
// when none does, the search ("") and a line naming the folders its cells
// recorded. Here shard 1/2 trained from folder a, shard 2/2 from b.
func TestRecordedDataDirIsTheFirstThatHoldsMNIST(t *testing.T) {
	data := smallData(t)
	dir := t.TempDir()
	a, b, out := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "study")
	f := optimizerStudy("d")
	for k, folder := range []string{a, b} {
		base := run.Default()
		base.Source.Dir = folder
		if err := Run(f, out, base, Options{Shard: Shard{k + 1, 2}, Jobs: 1, Data: data, Log: io.Discard}); err != nil {
			t.Fatal(err)
		}
	}
	_, cfgs, err := Prepare(f, out, run.Default())
	if err != nil {
		t.Fatal(err)
	}
	recorded := func() (string, string) {
		var log strings.Builder
		return RecordedDataDir(cfgs, &log), log.String()
	}
	if got, log := recorded(); got != "" || log != a+" and "+b+" hold no MNIST now; looking for the study's data elsewhere\n" {
		t.Errorf("neither folder there: %q, said %q", got, log)
	}
	for _, folder := range []string{b, a} {
		os.MkdirAll(folder, 0o755)
		for _, file := range mnist.Files {
			raw, err := os.ReadFile(filepath.Join("../testdata/mnist-small", file.Name))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(folder, file.Name), raw, 0o644)
		}
		if got, log := recorded(); got != folder || log != "" {
			t.Errorf("%s holding MNIST: %q, said %q", folder, got, log)
		}
	}
}
