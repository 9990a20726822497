package study

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestSmallerStepBudgetIsRefusedByName: a study run again with a smaller
// max-steps (or a budget where it had none) is another study, whose cells
// trained past it, refused naming max-steps and both budgets; a larger one,
// or none, continues it.
func TestSmallerStepBudgetIsRefusedByName(t *testing.T) {
	fixed := func(steps string) map[string]string {
		return map[string]string{"model": "mlp", "epochs": "2", "max-steps": steps}
	}
	for _, c := range []struct{ there, asked, refusal string }{
		{"4", "2", "max-steps: 4 there, 2 asked for (a step budget can be raised, not lowered)"},
		{"0", "4", "max-steps: 0 (no budget) there, 4 asked for"},
		{"2", "4", ""},
		{"2", "0", ""},
	} {
		out := t.TempDir()
		if err := writeSpec(File{Name: "budget", Seeds: []uint64{1}, Fixed: fixed(c.there)}, out); err != nil {
			t.Fatal(err)
		}
		_, _, err := Prepare(File{Name: "budget", Seeds: []uint64{1}, Fixed: fixed(c.there)}, out, run.Default())
		if err != nil {
			t.Fatalf("the same budget: %v", err)
		}
		_, _, err = Prepare(File{Name: "budget", Seeds: []uint64{1}, Fixed: fixed(c.asked)}, out, run.Default())
		var se *SettingError
		if c.refusal == "" && err != nil || c.refusal != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), c.refusal)) {
			t.Errorf("max-steps %s there, %s asked for: %v, want %q", c.there, c.asked, err, c.refusal)
		}
	}
}

// TestLargerStepBudgetContinuesTheCells: a study whose file's max-steps
// grows continues every cell its budget stopped from its saved state, and
// ends bit for bit as the study given the larger budget from the start:
// the same final weights and histories. Before, a changed max-steps was
// refused as another study. Until they are continued, the plan counts
// them to do (after the epochs they trained whole) and the report leaves
// them out; study.json records the new budget. A budget that cut the
// last epoch short, raised, finishes it.
func TestLargerStepBudgetContinuesTheCells(t *testing.T) {
	data := smallData(t)
	// 320 training images in batches of 64: 5 steps an epoch; 7 stop
	// epoch 2 after 2 steps, 12 epoch 3.
	budget := func(steps string) File {
		return File{Name: "budget", Axes: []Axis{{Name: "optimizer", Values: []string{"sgd", "adam"}}}, Seeds: []uint64{1},
			Fixed: map[string]string{"model": "mlp", "epochs": "3", "train-limit": "400", "max-steps": steps}}
	}
	dir, ref := t.TempDir(), t.TempDir()
	o := Options{Shard: Shard{1, 1}, Data: data, Jobs: 1}
	if err := Run(budget("12"), ref, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if err := Run(budget("7"), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	_, cells, err := LoadResults(dir)
	if err != nil || len(cells) != 2 {
		t.Fatalf("%d cells, %v", len(cells), err)
	}
	if kept, short, _ := currentCells(budget("12"), cells); len(kept) != 0 || short != 2 {
		t.Errorf("the report under max-steps 12 keeps %d cells stopped at 7, leaves out %d", len(kept), short)
	}
	plan, err := NewPlan(budget("12"), dir, run.Default(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Cells {
		if c.Complete || c.Start != 1 || c.Finishing != "" {
			t.Errorf("%s planned: complete %v, after epoch %d, finishing %q; want to train on after epoch 1", c.Key, c.Complete, c.Start, c.Finishing)
		}
	}
	var log bytes.Buffer
	o.Log = &log
	if err := Run(budget("12"), dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "2 to run") {
		t.Errorf("max-steps 12 over 7:\n%s", log.String())
	}
	sameCells(t, ref, dir, "budgets 7 and 12")
	if f := mustLoad(t, dir); f.Fixed["max-steps"] != "12" {
		t.Errorf("study.json records max-steps %q", f.Fixed["max-steps"])
	}
	csv, _ := os.ReadFile(filepath.Join(dir, ResultsCSV))
	// 12 steps: 2 whole epochs, the history's (the 3rd, cut, is not one).
	if !strings.Contains(string(csv), "sgd,1,finished,2,") {
		t.Errorf("results.csv after max-steps 12:\n%s", csv)
	}
	// 12 cut the last epoch: no budget finishes it.
	whole := t.TempDir()
	o.Log = nil
	for _, out := range []string{whole, dir} {
		if err := Run(budget("0"), out, run.Default(), o); err != nil {
			t.Fatal(err)
		}
	}
	sameCells(t, whole, dir, "budgets 7, 12 and none")
}

// sameCells: the cells of the study in ref and dir ended with the same
// final weights and histories (their times aside).
func sameCells(t *testing.T, ref, dir, what string) {
	t.Helper()
	f := mustLoad(t, ref)
	for _, c := range f.Cells() {
		key := c.Key(f.Axes)
		a := dataSection(t, filepath.Join(ref, "cells", key, run.FinalFile))
		b := dataSection(t, filepath.Join(dir, "cells", key, run.FinalFile))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: final weights after %s differ from the last budget's from the start", key, what)
		}
		ha, hb := history(t, filepath.Join(ref, "cells", key)), history(t, filepath.Join(dir, "cells", key))
		if !reflect.DeepEqual(ha.Epochs, hb.Epochs) || !reflect.DeepEqual(ha.Logs, hb.Logs) {
			t.Errorf("%s: history after %s %v, the last budget's from the start %v", key, what, hb.Logs, ha.Logs)
		}
	}
}

// TestMergeTakesShardsOfARaisedBudget: shards run again with a larger
// max-steps (or none) extend the folder of their earlier merge, as more
// epochs do; a smaller budget, or a budget where there was none, does not.
func TestMergeTakesShardsOfARaisedBudget(t *testing.T) {
	with := func(steps string) File {
		f := File{Name: "m", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "2"}}
		if steps != "" {
			f.Fixed["max-steps"] = steps
		}
		return f
	}
	for _, c := range []struct {
		old, cur string
		extends  bool
	}{
		{"7", "12", true}, {"7", "0", true}, {"7", "", true}, {"7", "7", true},
		{"12", "7", false}, {"", "7", false}, {"0", "7", false},
	} {
		if got := extends(with(c.old), with(c.cur)); got != c.extends {
			t.Errorf("max-steps %q merged over %q: extends %v, want %v", c.cur, c.old, got, c.extends)
		}
	}
}
