package study

import (
	"path/filepath"
	"testing"

	"mnistgpu/run"
)

// TestPlanBuildsEachModelOnce: planning builds each cell's model once to
// validate it (Prepare: that it fits MNIST and this host) and once for its
// figures, both its cost (FLOPs) and its memory (run's estimate); Validate
// built it twice (for MNIST and for the host), and the plan once more for
// each figure. The figures are those of the separate builds.
func TestPlanBuildsEachModelOnce(t *testing.T) {
	data := smallData(t)
	f := File{Name: "once", Axes: []Axis{{Name: "model", Values: []string{"mlp", "cnn"}}}, Seeds: []uint64{1, 2},
		Fixed: map[string]string{"epochs": "1", "train-limit": "100"}}
	before := run.ModelsBuilt()
	p, err := NewPlan(f, filepath.Join(t.TempDir(), "out"), run.Default(), Options{Shard: Shard{1, 1}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if built := run.ModelsBuilt() - before; len(p.Todo) != 4 || built != 2*int64(len(p.Todo)) {
		t.Errorf("planning %d cells built %d models, want two each (validate, figures)", len(p.Todo), built)
	}
	for _, c := range p.Cells {
		m, err := run.BuildModel(c.Config.Model.Name, c.Config.Model.Activation)
		if err != nil {
			t.Fatal(err)
		}
		need, err := c.Config.Estimate()
		if err != nil {
			t.Fatal(err)
		}
		if cost, mem := cellCost(c.Config, m, data), cellMemory(c.Config, need, data, p.Resident); c.Cost != cost || c.Memory != mem {
			t.Errorf("cell %s: cost %g, memory %d; built apart: %g, %d", c.Key, c.Cost, c.Memory, cost, mem)
		}
	}
}
