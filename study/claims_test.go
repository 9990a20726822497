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
		"With sigmoid and a small learning rate (SGD) the network cannot be fitted": "lr=0.001: cnn: 0.9000, mlp: 0.4000",
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

// TestDivergedSideLoses: in the pairwise claims (CNN vs MLP, Adam vs SGD,
// ReLU vs sigmoid, and Adam's first epoch against SGD's) a setting whose
// seeds all diverged before their first validation lost to the one that
// trained, and the evidence says so; a pair where both diverged compares
// nothing. Such a pair was skipped, so "cnn beat mlp" rested on the one
// setting where the MLP trained and lost its three wins.
func TestDivergedSideLoses(t *testing.T) {
	f := File{Name: "div", Seeds: []uint64{1, 2}, Axes: []Axis{
		{Name: "model", Values: []string{"cnn", "mlp"}},
		{Name: "optimizer", Values: []string{"sgd", "adam"}},
		{Name: "activation", Values: []string{"relu", "sigmoid"}}}}
	var cells []CellResult
	for _, c := range f.Cells() {
		p := c.Params
		r := CellResult{Cell: c, Key: c.Key(f.Axes), Group: c.Group(f.Axes)}
		if p["model"] == "mlp" && (p["optimizer"] == "sgd" || p["activation"] == "relu") {
			r.Failed = true // a NaN loss in the first epoch: no history
			cells = append(cells, r)
			continue
		}
		acc := 0.8 + 0.002*float64(c.Seed)
		for flag, plus := range map[string]string{"optimizer": "adam", "model": "mlp", "activation": "relu"} {
			if p[flag] == plus {
				acc += map[string]float64{"optimizer": 0.1, "model": 0.05, "activation": 0.01}[flag]
			}
		}
		r.History = &engine.History{}
		r.History.Append(0, engine.Logs{"loss": 1, "accuracy": acc, "val_loss": 1, "val_accuracy": acc}, 1)
		cells = append(cells, r)
	}
	want := map[string][2]string{
		"CNN reaches a better accuracy than the MLP": {"supported",
			"cnn beat mlp in 3 of 4 matched settings, 3 of them by more than two standard errors (mlp diverged before its first validation in 3; mean best val accuracy 0.9030 vs 0.9530 in the 1 setting where both trained)"},
		"Adam is better than SGD": {"supported",
			"adam beat sgd in 3 of 3 matched settings, 3 of them by more than two standard errors (sgd diverged before its first validation in 1; both diverged in 1 more, not counted; mean best val accuracy 0.9080 vs 0.8080 in the 2 settings where both trained)"},
		"ReLU mostly does better than sigmoid": {"mixed (mostly supported)",
			"relu beat sigmoid in 2 of 3 matched settings, 2 of them by more than two standard errors (relu diverged before its first validation in 1; both diverged in 1 more, not counted; mean best val accuracy 0.8630 vs 0.8530 in the 2 settings where both trained)"},
		"With SGD the network takes longer to reach a high accuracy than with Adam": {"supported",
			"Adam had the higher validation accuracy after the first epoch in 3 of 3 matched settings (SGD diverged before its first validation in 1; both diverged in 1 more, not counted)"},
	}
	for _, c := range Conclusions(f, Summarise(f, cells)) {
		w, ok := want[c.Claim]
		if !ok {
			continue
		}
		delete(want, c.Claim)
		if c.Verdict != w[0] || c.Evidence != w[1] || c.Seeds != (SeedRange{2, 2}) {
			t.Errorf("%q:\n got %s, seeds %s: %s\nwant %s, seeds 2: %s", c.Claim, c.Verdict, c.Seeds, c.Evidence, w[0], w[1])
		}
	}
	for claim := range want {
		t.Errorf("no claim %q", claim)
	}
}
