package study

import (
	"strings"
	"testing"

	"mnistgpu/engine"
)

// TestClaimsReadAxesByAnyName: the report's claims compare a study's
// settings whichever name its axes give them (the JSON path "model.name",
// "optimizer.lr") and read a setting the study fixes ("optimizer": "sgd");
// the CNN-vs-MLP claim of a study varying "model.name" was "not testable
// here", the learning-rate claims were left out, and the sigmoid claim
// found no SGD cell in a study whose optimizer is fixed to sgd.
func TestClaimsReadAxesByAnyName(t *testing.T) {
	f := File{Name: "paths", Seeds: []uint64{1},
		Axes:  []Axis{{Name: "model.name", Values: []string{"cnn", "mlp"}}, {Name: "optimizer.lr", Values: []string{"0.1", "0.01", "0.001"}}},
		Fixed: map[string]string{"optimizer": "sgd", "activation": "sigmoid"}}
	acc := map[string]float64{"cnn": 0.9, "mlp": 0.4}
	var cells []CellResult
	for _, c := range f.Cells() {
		h := &engine.History{}
		v := acc[c.Params["model.name"]]
		if c.Params["optimizer.lr"] == "0.1" {
			v -= 0.1
		}
		h.Append(0, engine.Logs{"loss": 1, "accuracy": v, "val_loss": 1, "val_accuracy": v}, 1)
		cells = append(cells, CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes), History: h})
	}
	got := map[string]Conclusion{}
	for _, c := range Conclusions(f, Summarise(f, cells)) {
		got[c.Claim] = c
	}
	for claim, want := range map[string]string{
		"CNN reaches a better accuracy than the MLP":                                "cnn beat mlp in 3 of 3 matched settings",
		"A too high learning rate keeps the network from converging":                "lr=0.1 was more than one point below the best learning rate in 2 of 2 settings",
		"With sigmoid and a small learning rate (SGD) the network cannot be fitted": "lr=0.001: cnn: 0.900, mlp: 0.400",
	} {
		if c, ok := got[claim]; !ok || !strings.Contains(c.Evidence, want) {
			t.Errorf("%q: %+v, want evidence with %q", claim, c, want)
		}
	}
}

// TestDivergedRateDidNotConverge: a learning rate whose cells all diverged
// before their first validation (a NaN loss: status "diverged", no
// accuracy) counts against it in the learning-rate claims wherever another
// rate of that setting trained. They were left out, so a too high rate
// that diverged in every setting made "A too high learning rate keeps the
// network from converging" "not testable here". A setting where no rate
// trained still compares nothing.
func TestDivergedRateDidNotConverge(t *testing.T) {
	f := File{Name: "div", Seeds: []uint64{1, 2},
		Axes: []Axis{{Name: "model", Values: []string{"cnn", "mlp", "mlp2"}}, {Name: "lr", Values: []string{"1e30", "0.01", "0.001"}}}}
	var cells []CellResult
	for _, c := range f.Cells() {
		r := CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes)}
		if c.Params["lr"] == "1e30" || c.Params["model"] == "mlp2" {
			r.Failed = true // diverged in its first epoch: no history
		} else {
			r.History = &engine.History{}
			r.History.Append(0, engine.Logs{"loss": 1, "accuracy": 0.9, "val_loss": 1, "val_accuracy": 0.9}, 1)
		}
		cells = append(cells, r)
	}
	for _, c := range Conclusions(f, Summarise(f, cells)) {
		if c.Claim != "A too high learning rate keeps the network from converging" {
			continue
		}
		want := "lr=1e30 was more than one point below the best learning rate in 2 of 2 settings (in 2 of them it diverged)"
		if c.Verdict != "supported" || c.Evidence != want || c.Seeds != (SeedRange{2, 2}) {
			t.Errorf("%+v, want supported, seeds 2: %q", c, want)
		}
		return
	}
	t.Error("no claim about a too high learning rate")
}
