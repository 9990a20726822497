package study

import (
	"bytes"
	"strings"
	"testing"

	"mnistgpu/run"
)

// The dry run of a study whose max-steps stopped its cells within an epoch,
// raised, says where they continue and where the budget ends them: it said
// "epochs 2-3 (continues after epoch 1)" of cells at step 2 of epoch 2, and
// "epochs 2-3" of a budget ending in epoch 2, timing whole epochs.
func TestDryRunSaysWhereTheBudgetContinuesAndEnds(t *testing.T) {
	data := smallData(t)
	// 320 images in batches of 64: 5 steps an epoch; 7 stop at step 2 of epoch 2.
	f := File{Name: "budget", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "3", "train-limit": "320",
		"validation-split": "0", "max-steps": "7"}}
	dir := t.TempDir()
	o := Options{Shard: Shard{1, 1}, Jobs: 1, Data: data}
	if err := Run(f, dir, run.Default(), o); err != nil {
		t.Fatal(err)
	}
	for budget, want := range map[string]string{
		"10": "epoch 2 (continues in epoch 2, after its step 2), to its step budget (max-steps 10) in epoch 2 of 3, in slot",
		"13": "epochs 2-3 (continues in epoch 2, after its step 2), to its step budget (max-steps 13) in epoch 3 of 3, in slot",
		"0":  "epochs 2-3 (continues in epoch 2, after its step 2), in slot",
	} {
		f.Fixed["max-steps"] = budget
		p, err := NewPlan(f, dir, run.Default(), o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Estimate(data); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p.Print(&out, 0)
		if !strings.Contains(out.String(), want) {
			t.Errorf("max-steps %s: want %q in\n%s", budget, want, out.String())
		}
	}
}

// TestDryRunOfEpochsBeyondAnyTime: a study of --epochs 2⁶² is planned
// without wrapping. Its steps (epochs × steps an epoch) wrapped to 0, so a
// step budget was not seen ("epochs 1-4611686018427387904"), and its time
// was printed as "-2562047h47m16.854775808s" and its total left out.
func TestDryRunOfEpochsBeyondAnyTime(t *testing.T) {
	data := smallData(t)
	// 400 images, 320 of them trained on in batches of 80: 4 steps an epoch.
	f := File{Name: "long", Seeds: []uint64{1}, Fixed: map[string]string{"model": "mlp", "epochs": "4611686018427387904",
		"train-limit": "400", "batch-size": "80"}}
	step := func(run.Config, int) (stepTiming, error) { return stepTiming{step: 0.01, eval: 0.001}, nil }
	for budget, want := range map[string][]string{
		"7": {"epochs 1-2, to its step budget (max-steps 7) in epoch 2 of 4611686018427387904, in slot", "time ≈ 86ms", "estimated time: 86ms"},
		"0": {"epochs 1-4611686018427387904, in slot", "time ≈ more than 292 years", "estimated time: more than 292 years"},
	} {
		f.Fixed["max-steps"] = budget
		p, err := NewPlan(f, t.TempDir(), run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		total, err := p.estimate(data, step, 2)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p.Print(&out, total)
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("max-steps %s: want %q in\n%s", budget, w, out.String())
			}
		}
	}
}
