package study

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestStudyFileIsOneObjectOfSettings: a study file that is not one JSON
// object, holds a null, names a key twice (the last one won) or has data
// after its object is refused naming the file and the key; one without a
// name takes its file's ("study : 8 cells" was printed before).
func TestStudyFileIsOneObjectOfSettings(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`null`, "null where a JSON object of settings is expected"},
		{`{"name": null, "seeds": [1]}`, `"name" is null`},
		{`{"name": "a", "seeds": [1, null]}`, `"seeds[1]" is null`},
		{`{"name": "a", "seeds": [1], "seeds": [2]}`, `key "seeds" appears twice in the top-level object`},
		{`{"name": "a", "seeds": [1], "fixed": {"lr": "0.1", "lr": "0.2"}}`, `key "lr" appears twice in fixed`},
		{`{"name": "a", "seeds": [1]} {}`, "data after the JSON object"},
		// A value of the wrong type in the file's words: "json: cannot
		// unmarshal number into Go struct field Axis.axes.values of type
		// string".
		{`{"axes": [{"name": "lr", "values": [0.1, 0.01]}], "seeds": [1]}`, `"axes.values" takes a string, got a number: write the number in quotes`},
		{`{"seeds": [1], "fixed": {"epochs": 2}}`, `"fixed" takes a string, got a number: write the number in quotes`},
		{`{"seeds": ["1"]}`, `"seeds" takes a non-negative integer, got a string`},
	} {
		_, err := Parse("s.json", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), "s.json: invalid study file: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.src, err, c.want)
		}
	}
	for _, src := range []string{`{"seeds": [1]}`, `{"name": "", "seeds": [1]}`, `{"name": "  ", "seeds": [1]}`} {
		if f, err := Parse(filepath.Join("studies", "grid.json"), []byte(src)); err != nil || f.Name != "grid" {
			t.Errorf("%s: name %q, %v; want the file's, grid", src, f.Name, err)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "sweep.json")
	if err := os.WriteFile(p, []byte(`{"seeds": [1, 2]}`), 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := Load(p)
	if err != nil || f.Name != "sweep" {
		t.Fatalf("Load: name %q, %v", f.Name, err)
	}
	plan, err := NewPlan(f, filepath.Join(dir, "out"), run.Default(), Options{Shard: Shard{1, 1}})
	if err != nil || !strings.HasPrefix(plan.head(), "study sweep: 2 cells") {
		t.Errorf("plan head %q, %v", plan.head(), err)
	}
}

// TestCellCosineMinimumBelowItsRate: a cell whose cosine minimum is not
// below its learning rate is refused before the study starts, naming the
// cell and both rates.
func TestCellCosineMinimumBelowItsRate(t *testing.T) {
	f, err := Parse("c.json", []byte(`{"name": "c", "axes": [{"name": "lr", "values": ["1", "0.001"]}], "seeds": [1],
		"fixed": {"epochs": "1", "lr-schedule": "cosine:0:0.5"}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.Configs(run.Default(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "cell lr=0.001,seed=1") || !strings.Contains(err.Error(), "MIN_LR 0.5 is not below the initial learning rate 0.001") {
		t.Errorf("err = %v", err)
	}
}
