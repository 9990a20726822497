package study

import (
	"bytes"
	"strings"
	"testing"

	"mnistgpu/run"
)

// TestDryRunOfLargeBatches: the plan times a cell at the batch its run
// holds — a batch beyond the data holds all of it — and does not time a
// cell too large for the machine (which fails alone when it runs), saying
// so. Both were compiled at their batch of 10⁹, and `study run --dry-run`
// died of a Go out-of-memory error.
func TestDryRunOfLargeBatches(t *testing.T) {
	data := smallData(t)
	f := File{Name: "big", Axes: []Axis{{Name: "batch-size", Values: []string{"50", "1000000000"}}}, Seeds: []uint64{1},
		Fixed: map[string]string{"model": "mlp", "epochs": "1"}}
	plan := func() string {
		p, err := NewPlan(f, t.TempDir(), run.Default(), Options{Shard: Shard{1, 1}, Jobs: 1, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		total, err := p.Estimate(data)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p.Print(&out, total)
		return out.String()
	}
	if out := plan(); strings.Count(out, ", time ") != 2 {
		t.Errorf("a batch beyond the data is not timed as the run holds it:\n%s", out)
	}
	saved := run.HostMemory
	run.HostMemory = func() (int64, string) { return 1 << 30, "test limit" }
	t.Cleanup(func() { run.HostMemory = saved })
	out := plan()
	if !strings.Contains(out, "too large for this machine, so it fails alone when it runs: --batch-size 1000000000 needs about ") ||
		strings.Count(out, ", time ") != 1 {
		t.Errorf("the plan of a cell too large for the machine:\n%s", out)
	}
}
