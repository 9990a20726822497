package study

import (
	"errors"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestStudySetsEachSettingOnce: a study file that sets one setting twice —
// by its flag and its JSON path, in "fixed" and as an axis, or as two
// values of an axis that are one setting — is refused naming both, before
// anything runs. Each of these trained cells other than their folder
// names said (axis lr=0.1 trained at the optimizer.lr axis's 0.5), or one
// run twice (reported as two seeds).
func TestStudySetsEachSettingOnce(t *testing.T) {
	refusedStudies(t, map[string]string{
		`{"axes":[{"name":"lr","values":["0.1","0.01"]},{"name":"optimizer.lr","values":["0.5"]}],"seeds":[1]}`: `axis "lr" and axis "optimizer.lr" name one setting (--lr)`,
		`{"axes":[{"name":"optimizer.lr","values":["0.1","0.01"]}],"seeds":[1],"fixed":{"lr":"0.7"}}`:           `fixed setting "lr" and axis "optimizer.lr" name one setting (--lr)`,
		`{"axes":[],"seeds":[1],"fixed":{"lr":"0.7","optimizer.lr":"0.1"}}`:                                     `fixed setting "lr" and fixed setting "optimizer.lr" name one setting (--lr)`,
		`{"axes":[{"name":"batch-size","values":["64","064"]}],"seeds":[1]}`:                                    `axis "batch-size": values "64" and "064" are the same setting (64)`,
		`{"axes":[{"name":"lr","values":["0.1","1e-1"]}],"seeds":[1]}`:                                          `axis "lr": values "0.1" and "1e-1" are the same setting`,
	})
	_, err := Parse("s.json", []byte(`{"axes":[{"name":"lr","values":["0.1","0.1"]}],"seeds":[1]}`))
	if err == nil || !strings.Contains(err.Error(), `axis "lr" lists "0.1" twice`) {
		t.Errorf("an axis listing a value twice: %v", err)
	}
}

// TestCellFolderNameFits: a cell whose folder name is longer than a file
// system holds is refused before the study starts; its mkdir failed when
// the study reached it, and so did writing its failed.txt, which ended the
// whole study.
func TestCellFolderNameFits(t *testing.T) {
	long := strings.Repeat("0", 250) + "300"
	f, err := Parse("s.json", []byte(`{"axes":[{"name":"train-limit","values":["`+long+`","400"]}],"seeds":[1],"fixed":{"model":"mlp"}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.Configs(run.Default(), "out")
	var se *SettingError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "is 272 bytes, more than the 255 a folder name may hold") {
		t.Errorf("err = %v", err)
	}
}
